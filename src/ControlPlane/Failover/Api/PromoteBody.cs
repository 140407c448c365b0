namespace Conjur.EventSourced.ControlPlane.Failover.Api;

/// <summary><c>POST /api/promote</c> body: <c>{"node":"node3","force":true}</c>.</summary>
public sealed record PromoteBody(string? Node, bool? Force);
