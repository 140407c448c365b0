namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>The control plane's Postgres for the failover saga tests, on base port 42000 (Postgres on 42031).</summary>
public sealed class FailoverPostgres() : ControlPlanePostgres(42000);
