namespace Conjur.EventSourced.Cli.Drill;

/// <summary>
/// One write the database acknowledged (the commit returned): its id, when (on the run's clock), which
/// Postgres port served it, and whether Postgres warned that it committed locally without the synchronous
/// standby's confirmation (a cancelled wait for synchronous replication still reports success).
/// </summary>
public readonly record struct Ack(long Id, TimeSpan At, int ServerPort, bool Unreplicated = false);
