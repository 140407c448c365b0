namespace Conjur.EventSourced.Hosting.Processes;

/// <summary>
/// Postgres refuses to run as root and RabbitMQ wants its own user: when we are root, commands for
/// them run under their system user through <c>setpriv</c>, which execs in place so the process we
/// start is the server itself (its exit is ours to see, its PID is the postmaster's).
/// </summary>
public static class SystemUsers
{
    public const string Postgres = "postgres";

    public static bool IsRoot => Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";

    public static (string File, IReadOnlyList<string> Args) Wrap(string file, IEnumerable<string> args, string? runAs)
    {
        if (runAs is null || !IsRoot)
        {
            return (file, args.ToList());
        }
        var wrapped = new List<string> { $"--reuid={runAs}", $"--regid={runAs}", "--init-groups", "--", file };
        wrapped.AddRange(args);
        return ("setpriv", wrapped);
    }

    /// <summary>Gives a folder (and everything in it) to a system user, when we are root.</summary>
    public static async Task ChownAsync(string path, string user, CancellationToken ct = default)
    {
        if (!IsRoot)
        {
            return;
        }
        (await CommandRunner.RunAsync("chown", ["-R", $"{user}:{user}", path], TimeSpan.FromSeconds(30), ct: ct)).ThrowOnFailure();
    }

    /// <summary>Gives a folder (and everything in it) back to the user this process runs as, when we are root.</summary>
    public static async Task ReclaimAsync(string path, CancellationToken ct = default)
    {
        if (!IsRoot)
        {
            return;
        }
        (await CommandRunner.RunAsync("chown", ["-R", "0:0", path], TimeSpan.FromSeconds(30), ct: ct)).ThrowOnFailure();
    }

    /// <summary>
    /// Lets a system user reach its folder inside ours: adds search (not read) permission for others
    /// to <paramref name="path"/>, which a private temp folder (0700) would otherwise deny.
    /// </summary>
    public static void AllowTraverse(string path)
    {
        if (!IsRoot)
        {
            return;
        }
        var mode = File.GetUnixFileMode(path);
        if (!mode.HasFlag(UnixFileMode.OtherExecute))
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.OtherExecute);
        }
    }
}
