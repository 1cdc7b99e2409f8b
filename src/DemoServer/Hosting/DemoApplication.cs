using System.Diagnostics;
using Distill.DemoServer.Logging;
using Distill.DemoServer.Routes;
using Distill.DemoServer.WebSockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Distill.DemoServer.Hosting;

/// <summary>The one request delegate: routes by first path segment, turns failures into 4xx/500, logs each request.</summary>
internal sealed class DemoApplication
{
    private static readonly StringValues ServerHeader = new(ServerIdentity.ServerString);
    private readonly ServerContext _server;
    private readonly RequestLog _requestLog;
    private readonly RouteTable _routes = new();

    public DemoApplication(ServerContext server, RequestLog requestLog)
    {
        _server = server;
        _requestLog = requestLog;
        var info = new InfoPages(server, () => _routes.Paths);
        var echo = new EchoRoutes(server);
        var generated = new GeneratedContent(server);
        var forms = new FormRoutes(server);
        var session = new SessionRoute(server);
        var dwBench = new DwBench(server.Clock);
        var webSockets = new WebSocketRoutes(server);

        _routes.Map("welcome", info.WelcomeAsync);
        _routes.Map("help", info.HelpAsync);
        _routes.Map("routes", info.HelpAsync);
        _routes.Map("up", info.UpAsync);
        _routes.Map("status", info.StatusAsync);
        _routes.Map("small", info.SmallAsync);
        _routes.Map("dw-bench", dwBench.HandleAsync);
        _routes.Map("favicon.ico", info.FaviconAsync);
        _routes.Map("status-code", info.StatusCodeAsync);
        _routes.Map("unicode", info.UnicodeAsync);
        _routes.Map("error", info.ErrorAsync);
        _routes.Map("echo", echo.EchoAsync);
        _routes.Map("echo-html", echo.EchoHtmlAsync);
        _routes.Map("echo-raw", echo.MirrorAsync);
        _routes.Map("mirror", echo.MirrorAsync);
        _routes.Map("random", generated.RandomAsync);
        _routes.Map("bytes", generated.BytesAsync);
        _routes.Map("session", session.HandleAsync);
        _routes.Map("form-test-1", forms.FormTest1Async);
        _routes.Map("form-test-2", forms.FormTest2Async);
        _routes.Map("form-test-3", forms.FormTest3Async);
        _routes.Map("ws-demo", webSockets.DemoPageAsync);
        _routes.Map("ws-echo", webSockets.EchoAsync);
        _routes.Map("ws-echo-client", webSockets.EchoClientAsync);
        _routes.Map("ws-chatroom", webSockets.ChatroomAsync);
        _routes.Map("ws-chatroom-client", webSockets.ChatroomClientAsync);
        _routes.Map("ws-status", webSockets.StatusAsync);
        _routes.Map("ws-status-client", webSockets.StatusClientAsync);
        _routes.MapRoot("welcome");
    }

    public IReadOnlyList<string> RoutePaths => _routes.Paths;

    public async Task HandleAsync(HttpContext context)
    {
        long started = Stopwatch.GetTimestamp();
        context.Response.Headers.Server = ServerHeader;
        try
        {
            var handler = _routes.Find(context.Request.Path);
            await (handler is null ? Responses.NotFoundAsync(context) : handler(context));
        }
        catch (BadRequestException e)
        {
            await AnswerErrorAsync(context, StatusCodes.Status400BadRequest, "Bad Request: " + e.Message);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's verdicts on the request itself, for example 413 for a body over the limit.
            await AnswerErrorAsync(context, e.StatusCode, e.Message);
        }
        catch (InvalidDataException e)
        {
            // Malformed form or multipart bodies.
            await AnswerErrorAsync(context, StatusCodes.Status400BadRequest, "Bad Request: " + e.Message);
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested || _server.Stopping.IsCancellationRequested)
        {
            // The client went away or the server is stopping: nobody is waiting for an answer.
            _server.Log.Write(ServerLog.Connections, RequestLog.ConnectionNumber(context),
                $"Request Abandoned {context.Request.Method} {context.Request.Path} ({e.GetType().Name})");
            context.Abort();
        }
        catch (Exception e)
        {
            // Stack traces carry no method names in this build: the type, message and route say what failed.
            _server.Log.Write(ServerLog.Normal, RequestLog.ConnectionNumber(context),
                $"Server Handler Error {context.Request.Method} {Responses.PathAndQuery(context)} {e.GetType().FullName}: {e.Message}");
            await AnswerErrorAsync(context, StatusCodes.Status500InternalServerError, "Error: " + e.Message);
        }
        finally
        {
            _requestLog.RequestHandled(context, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static Task AnswerErrorAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return Task.CompletedTask;
        }
        context.Response.Clear();
        context.Response.Headers.Server = ServerHeader;
        // One line: no CR or LF from an exception message reaches the body's structure.
        return Responses.LineAsync(context, message.ReplaceLineEndings(" "), status);
    }
}
