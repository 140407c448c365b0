using System.Collections.Frozen;

namespace Conjur.EventSourced.ControlPlane.Dashboard;

/// <summary>The page's files, embedded in the assembly (logical names <c>dashboard/&lt;file&gt;</c>): nothing to copy, nothing to build.</summary>
public static class DashboardAssets
{
    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    public static IResult Serve(string file)
    {
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(file));
        var stream = type is null ? null : typeof(DashboardAssets).Assembly.GetManifestResourceStream("dashboard/" + file);
        return stream is null
            ? Results.NotFound(new { error = $"no dashboard file '{file}'" })
            : Results.Stream(stream, type, enableRangeProcessing: false);
    }
}
