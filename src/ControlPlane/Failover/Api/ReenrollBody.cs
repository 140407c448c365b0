namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary><c>POST /api/reenroll</c> body: <c>{"node":"node1"}</c>.</summary>
public sealed record ReenrollBody(string? Node);
