using System.Diagnostics;
using System.Text;

namespace Conjur.EventSourced.Hosting.Processes;

/// <summary>The outcome of a finished command.</summary>
public sealed record CommandResult(string Command, int ExitCode, string StdOut, string StdErr)
{
    public bool Succeeded => ExitCode == 0;

    public CommandResult ThrowOnFailure()
    {
        if (!Succeeded)
        {
            throw new CommandFailedException($"'{Command}' exited with {ExitCode}: {Tail(StdErr.Length > 0 ? StdErr : StdOut)}");
        }
        return this;
    }

    private static string Tail(string s) => s.Length <= 2000 ? s.Trim() : "..." + s[^2000..].Trim();
}

public sealed class CommandFailedException : Exception
{
    public CommandFailedException(string message) : base(message) { }
    public CommandFailedException(string message, Exception inner) : base(message, inner) { }
    public CommandFailedException() { }
}

/// <summary>Runs a short command to completion with a bound on its time, optionally as another system user.</summary>
public static class CommandRunner
{
    public static async Task<CommandResult> RunAsync(
        string file,
        IEnumerable<string> args,
        TimeSpan timeout,
        string? runAs = null,
        IReadOnlyDictionary<string, string>? env = null,
        string? workingDir = null,
        string? stdin = null,
        CancellationToken ct = default)
    {
        var (exe, argv) = SystemUsers.Wrap(file, args, runAs);
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
            WorkingDirectory = workingDir ?? "/",
        };
        foreach (var a in argv)
        {
            psi.ArgumentList.Add(a);
        }
        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }
        var display = $"{file} {string.Join(' ', args)}";
        using var process = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CommandFailedException($"cannot start '{display}': {e.Message}", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            ct.ThrowIfCancellationRequested();
            throw new CommandFailedException($"'{display}' did not finish within {timeout.TotalSeconds:0.#} s");
        }
        return new CommandResult(display, process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
