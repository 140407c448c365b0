namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>The failover saga tests share one Postgres (one port) and run one class at a time; each test has its own cluster id.</summary>
[CollectionDefinition("failover")]
public sealed class FailoverCollection : ICollectionFixture<FailoverPostgres>;
