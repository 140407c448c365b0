namespace Conjur.EventSourced.Hosting.Messaging;

/// <summary>
/// Each agent receives its commands (promote, rebase, step down, re-enrol) on its own durable queue,
/// so a command sent while the agent is down waits for it instead of being lost.
/// </summary>
public static class AgentQueues
{
    public static string Name(string clusterId, string nodeId) => $"{clusterId}-agent-{nodeId}";

    public static Uri Address(string clusterId, string nodeId) => new($"queue:{Name(clusterId, nodeId)}");
}
