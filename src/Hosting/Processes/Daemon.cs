using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Conjur.EventSourced.Hosting.Processes;

/// <summary>
/// Long-running processes that outlive the command that started them (<c>cluster up</c> returns;
/// the cluster keeps running). Each gets its own session, a log file and a pid file, and is stopped
/// by that PID, never by name.
/// </summary>
public static partial class Daemon
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    /// <summary>Freezes a process (the drill's and the tests' "frozen agent"); <see cref="SigCont"/> thaws it.</summary>
    public const int SigStop = 19;
    public const int SigCont = 18;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int sig);

    /// <summary>Starts a detached process and returns its PID (the program's own, not a shell's).</summary>
    public static async Task<int> StartAsync(
        string file,
        IEnumerable<string> args,
        string logFile,
        string? pidFile = null,
        string? runAs = null,
        IReadOnlyDictionary<string, string>? env = null,
        string? workingDir = null)
    {
        // sh starts it in the background under setsid (which execs in place: $! is the program's PID),
        // with its output appended to the log and no terminal, then exits at once.
        var psi = LoggedShell("setsid \"$@\" >>\"$log\" 2>&1 </dev/null & echo $!", file, args, logFile, runAs, env, workingDir);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using var sh = Process.Start(psi) ?? throw new CommandFailedException($"cannot start {file}");
        var output = await sh.StandardOutput.ReadToEndAsync();
        await sh.WaitForExitAsync();
        if (!int.TryParse(output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            throw new CommandFailedException($"cannot start {file}: {output} {await sh.StandardError.ReadToEndAsync()}");
        }
        if (pidFile is not null)
        {
            WritePid(pidFile, pid);
        }
        return pid;
    }

    /// <summary>
    /// Starts a process as a child of this one, its output appended to a log: sh execs into it (through
    /// setpriv when it runs as another user), so the child's PID is the program's own and its exit is
    /// the caller's to see at once.
    /// </summary>
    public static Process StartChild(string file, IEnumerable<string> args, string logFile, string? runAs = null)
    {
        var psi = LoggedShell("exec \"$@\" >>\"$log\" 2>&1 </dev/null", file, args, logFile, runAs, env: null, workingDir: null);
        var child = Process.Start(psi) ?? throw new CommandFailedException($"cannot start {file}");
        child.EnableRaisingEvents = true;
        return child;
    }

    private static ProcessStartInfo LoggedShell(string script, string file, IEnumerable<string> args, string logFile, string? runAs,
        IReadOnlyDictionary<string, string>? env, string? workingDir)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var (exe, argv) = SystemUsers.Wrap(file, args, runAs);
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = workingDir ?? "/" };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("log=\"$1\"; shift; " + script);
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(logFile);
        psi.ArgumentList.Add(exe);
        foreach (var a in argv)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        return psi;
    }

    public static void WritePid(string pidFile, int pid)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(pidFile)!);
        File.WriteAllText(pidFile, pid.ToString(CultureInfo.InvariantCulture));
    }

    public static int? ReadPid(string pidFile)
    {
        try
        {
            var first = File.ReadLines(pidFile).FirstOrDefault()?.Trim();
            return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether the process exists and is not a zombie. In these sandboxes PID 1 reaps late, so a
    /// killed process can linger as a zombie for seconds: <c>kill -0</c> alone would say it lives.
    /// </summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static bool IsRunning(string pidFile) => ReadPid(pidFile) is { } pid && IsRunning(pid);

    public static bool Signal(int pid, int signal) => SysKill(pid, signal) == 0;

    /// <summary>SIGTERM, then SIGKILL after the grace period; returns once the process is gone (bounded).</summary>
    public static async Task StopAsync(int pid, TimeSpan grace, CancellationToken ct = default)
    {
        if (!IsRunning(pid))
        {
            return;
        }
        Signal(pid, SigTerm);
        if (await WaitForExitAsync(pid, grace, ct))
        {
            return;
        }
        Signal(pid, SigKill);
        await WaitForExitAsync(pid, TimeSpan.FromSeconds(10), ct);
    }

    public static void Kill(int pid) => Signal(pid, SigKill);

    public static async Task<bool> WaitForExitAsync(int pid, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (!IsRunning(pid))
            {
                return true;
            }
            await Task.Delay(50, ct);
        }
        return !IsRunning(pid);
    }
}
