namespace Distill.DemoServer.WebSockets;

/// <summary>The browser pages for the WebSocket examples. Messages are shown with textContent, never as markup.</summary>
internal static class ClientPages
{
    private const string Style =
        "<style>body { font-family: Verdana, Arial, Helvetica, sans-serif; font-size: 15px; max-width: 900px } " +
        "#logo { color: orange; font-family: Helvetica, sans-serif; font-weight: bold; font-size: 96px; text-decoration: none } " +
        ".sent { color: grey } .response { color: blue } .error { color: red } li { margin-bottom: 1em }</style>";

    private const string Head = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>";

    private const string CommonScript = """
          function log(text, cls) {
            var p = document.createElement("p");
            p.textContent = text;
            if (cls) p.className = cls;
            document.getElementById("output").appendChild(p);
          }
          function socketUrl(path) {
            return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
          }
          function shown(data) {
            return typeof data === "string" ? data : "[" + data.byteLength + " bytes]";
          }
        """;

    public const string Demo = Head + "WebSocket Demo</title>" + Style + """
        </head><body><a id="logo" href="/">D</a><h1>WebSocket Demo</h1>
        <ul>
          <li><a href="/ws-echo-client">Echo</a> - type a message, the server sends it back</li>
          <li><a href="/ws-status-client">Status</a> - the server pushes its status every second</li>
          <li><a href="/ws-chatroom-client">Chatroom</a> - pick a handle and talk to every connected browser</li>
        </ul>
        <h4>May the Source be with you!</h4>
        </body></html>
        """;

    public const string EchoClient = Head + "WebSocket Echo</title>" + Style + """
        </head><body><a id="logo" href="/">D</a><h1>WebSocket Echo</h1>
        <div>Message: <input id="message" type="text" size="48" value="WebSocket rocks">
        <button id="send" disabled>Send</button> <span id="state">connecting</span></div>
        <div id="output"></div>
        <script>
        """ + CommonScript + """
          var socket = new WebSocket(socketUrl("/ws-echo"));
          socket.binaryType = "arraybuffer";
          socket.onopen = function () {
            document.getElementById("state").textContent = "CONNECTED";
            document.getElementById("send").disabled = false;
          };
          socket.onclose = function () { document.getElementById("state").textContent = "DISCONNECTED"; };
          socket.onerror = function () { log("ERROR", "error"); };
          socket.onmessage = function (evt) { log("RESPONSE: " + shown(evt.data), "response"); };
          function send() {
            var input = document.getElementById("message");
            log("SENT: " + input.value, "sent");
            socket.send(input.value);
            input.value = "";
          }
          document.getElementById("send").onclick = send;
          document.getElementById("message").onkeyup = function (evt) { if (evt.key === "Enter") send(); };
        </script>
        </body></html>
        """;

    public const string ChatroomClient = Head + "WebSocket Chatroom</title>" + Style + """
        </head><body><a id="logo" href="/">D</a><h1>WebSocket Chatroom</h1>
        <div>Handle: <input id="handle" type="text" size="12">
        Message: <input id="message" type="text" size="48">
        <button id="send" disabled>Send</button> <button id="close">Close</button> <span id="state">connecting</span></div>
        <div id="output"></div>
        <script>
        """ + CommonScript + """
          document.getElementById("handle").value = "user-" + Math.floor(Math.random() * 1000);
          var socket = new WebSocket(socketUrl("/ws-chatroom"));
          socket.binaryType = "arraybuffer";
          function say(text) { socket.send(document.getElementById("handle").value + ">> " + text); }
          socket.onopen = function () {
            document.getElementById("state").textContent = "CONNECTED";
            document.getElementById("send").disabled = false;
            say("Hi there!");
          };
          socket.onclose = function () { document.getElementById("state").textContent = "DISCONNECTED"; };
          socket.onerror = function () { log("ERROR", "error"); };
          socket.onmessage = function (evt) { log(shown(evt.data), "response"); };
          function send() {
            var input = document.getElementById("message");
            say(input.value);
            input.value = "";
          }
          document.getElementById("send").onclick = send;
          document.getElementById("message").onkeyup = function (evt) { if (evt.key === "Enter") send(); };
          document.getElementById("close").onclick = function () { say("Bye!"); socket.close(); };
        </script>
        </body></html>
        """;

    public const string StatusClient = Head + "WebSocket Server Status</title>" + Style + """
        </head><body><a id="logo" href="/">D</a><h1>WebSocket Server Status</h1>
        <p>The server pushes this every second. <span id="state">connecting</span></p>
        <pre id="status">Waiting for status data...</pre>
        <h3>Log</h3><div id="output"></div>
        <script>
        """ + CommonScript + """
          var socket = new WebSocket(socketUrl("/ws-status"));
          socket.onopen = function () { document.getElementById("state").textContent = "CONNECTED"; };
          socket.onclose = function () { document.getElementById("state").textContent = "DISCONNECTED"; log("DISCONNECTED"); };
          socket.onerror = function () { log("ERROR", "error"); };
          socket.onmessage = function (evt) { document.getElementById("status").textContent = evt.data; };
        </script>
        </body></html>
        """;
}
