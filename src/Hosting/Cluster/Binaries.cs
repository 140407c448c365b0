namespace Conjur.EventSourced.Hosting.Cluster;

/// <summary>
/// Finds the built node agent and control plane. The CLI and the tests run from the same build, so the
/// parts are looked up beside the repository's solution in the same configuration (Debug or Release);
/// <c>CONJUR_BIN_DIR</c> overrides that where the tool is installed on its own.
/// </summary>
public static class Binaries
{
    public static string NodeAgentDll => Find("NodeAgent");
    public static string ControlPlaneDll => Find("ControlPlane");

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Conjur.EventSourced.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new FileNotFoundException("cannot find Conjur.EventSourced.sln above " + AppContext.BaseDirectory + "; set CONJUR_BIN_DIR");
    }

    private static string Find(string project)
    {
        var file = $"Conjur.EventSourced.{project}.dll";
        if (Environment.GetEnvironmentVariable("CONJUR_BIN_DIR") is { Length: > 0 } bin)
        {
            return Path.Combine(bin, project, file);
        }
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(RepositoryRoot(), "src", project, "bin", configuration, "net10.0", file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{file} is not built ({path}): run 'dotnet build -c {configuration}' first", path);
    }
}
