namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>The control plane's Postgres for the failover saga tests, on base port 26200 (Postgres on 26231).</summary>
public sealed class FailoverPostgres() : ControlPlanePostgres(26200);
