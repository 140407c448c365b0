namespace Conjur.EventSourced.NodeAgent.Ha;

/// <summary>The latest snapshot, swapped whole by the HA cycle, read without locks by everyone else.</summary>
public sealed class NodeState(NodeSnapshot initial)
{
    private NodeSnapshot _current = initial;

    public NodeSnapshot Current => Volatile.Read(ref _current);

    public void Set(NodeSnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}
