namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>The control plane's Postgres for the event store tests (ingest, retention, replay, rebuild), on base port 22000 (Postgres on 22031).</summary>
public sealed class EventStorePostgres() : ControlPlanePostgres(22000);
