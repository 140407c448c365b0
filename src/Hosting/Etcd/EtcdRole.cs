namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>One etcd role and what it may touch.</summary>
public sealed record EtcdRole(string Name, IReadOnlyList<EtcdGrant> Grants);
