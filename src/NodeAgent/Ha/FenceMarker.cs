using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>
/// A fenced former master stays fenced across agent restarts: the reason is kept in a file beside its
/// data directory until an explicit re-enrolment clears it (S3: a removed member never leads again).
/// </summary>
public sealed class FenceMarker(ClusterConfig config, NodeConfig node)
{
    private string Path => System.IO.Path.Combine(config.NodeDir(node.Id), "fenced");

    public string? Reason => File.Exists(Path) ? File.ReadAllText(Path).Trim() : null;

    public bool IsFenced => File.Exists(Path);

    public void Set(string reason)
    {
        if (!IsFenced)
        {
            Directory.CreateDirectory(config.NodeDir(node.Id));
            File.WriteAllText(Path, $"{DateTimeOffset.UtcNow:O} {reason}\n");
        }
    }

    public void Clear()
    {
        if (IsFenced)
        {
            File.Delete(Path);
        }
    }
}
