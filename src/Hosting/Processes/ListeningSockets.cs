using System.Globalization;

namespace Conjur.EventSourced.Hosting.Processes;

/// <summary>
/// Which process listens on a local TCP port, read from /proc (no dependency on ss or lsof): lets us
/// stop a daemon we did not start directly (epmd, spawned by the Erlang VM) by its PID, not its name.
/// </summary>
public static class ListeningSockets
{
    private const string Listen = "0A";

    /// <summary>PIDs of the processes holding a listening TCP socket (IPv4 or IPv6) on <paramref name="port"/>.</summary>
    public static IReadOnlyList<int> PidsListeningOn(int port)
    {
        var inodes = ListeningInodes("/proc/net/tcp", port).Concat(ListeningInodes("/proc/net/tcp6", port)).ToHashSet();
        if (inodes.Count == 0)
        {
            return [];
        }
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            if (HoldsAny(dir, inodes))
            {
                pids.Add(pid);
            }
        }
        return pids;
    }

    private static IEnumerable<string> ListeningInodes(string table, int port)
    {
        if (!File.Exists(table))
        {
            yield break;
        }
        var hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
        // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
        foreach (var line in File.ReadLines(table).Skip(1))
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length > 9 && cols[3] == Listen && cols[1].EndsWith(":" + hexPort, StringComparison.Ordinal))
            {
                yield return cols[9];
            }
        }
    }

    private static bool HoldsAny(string procDir, HashSet<string> inodes)
    {
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(procDir, "fd")))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && inodes.Contains(target[8..^1]))
                {
                    return true;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process exited while we looked, or is not ours to inspect.
        }
        return false;
    }
}
