using Microsoft.AspNetCore.Http;

namespace Distill.DemoServer.Routes;

/// <summary>
/// Zinc's prefix map: the first path segment picks the handler (/random/32 goes to "random"); "/" is the welcome page.
/// </summary>
internal sealed class RouteTable
{
    private readonly Dictionary<string, RequestDelegate> _handlers = new(StringComparer.Ordinal);
    private RequestDelegate? _root;

    public void Map(string prefix, RequestDelegate handler) => _handlers.Add(prefix, handler);

    public void MapRoot(string prefix) => _root = _handlers[prefix];

    /// <summary>Every route as a path, sorted: "/", "/bytes", "/dw-bench", ...</summary>
    public IReadOnlyList<string> Paths =>
        _handlers.Keys.Select(k => "/" + k).Append("/").Order(StringComparer.Ordinal).ToArray();

    public RequestDelegate? Find(PathString path)
    {
        string value = path.Value ?? "/";
        if (value.Length <= 1) return _root;
        int end = value.IndexOf('/', 1);
        string first = end < 0 ? value[1..] : value[1..end];
        return _handlers.GetValueOrDefault(first);
    }
}
