using System.Globalization;
using Distill.DemoServer.Hosting;
using Distill.DemoServer.Html;
using Distill.DemoServer.Logging;
using Distill.DemoServer.Sessions;
using Microsoft.AspNetCore.Http;

namespace Distill.DemoServer.Routes;

/// <summary>/session: a page counting the visitor's hits, kept in a cookie session.</summary>
internal sealed class SessionRoute(ServerContext server)
{
    public Task HandleAsync(HttpContext context)
    {
        var (session, created) = server.Sessions.Resolve(context.Request.Cookies[SessionStore.CookieName]);
        int hits = server.Sessions.Hit(session);
        if (created)
        {
            context.Response.Headers.Append("Set-Cookie", $"{SessionStore.CookieName}={session.Id}; Path=/; HttpOnly; SameSite=Lax");
            server.Log.Write(ServerLog.Debug, RequestLog.ConnectionNumber(context), "Session created " + session.Id);
        }
        var page = HtmlPage.Branded("Session")
            .Paragraph("I am using a cookie session (" + SessionStore.CookieName + ")")
            .Raw("<p>Current session id is <span id=\"session-id\">").Text(session.Id).Raw("</span></p>\n")
            .Raw("<p>Session hit count <span id=\"hit-count\">").Text(hits.ToString(CultureInfo.InvariantCulture)).Raw("</span></p>\n");
        return Responses.HtmlAsync(context, page.Finish());
    }
}
