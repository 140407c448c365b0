namespace Conjur.EventSourced.Cli.Drill;

/// <summary>What the drill does to the master.</summary>
public enum FaultKind
{
    /// <summary>kill -9 the master's agent and its postmaster: the whole node is gone.</summary>
    Node,

    /// <summary>kill -9 only the master's postmaster: the agent lives and should give up the lease at once.</summary>
    Postgres,

    /// <summary>SIGSTOP the master's agent (a hang: its Postgres keeps running); SIGCONT at the end of the run.</summary>
    Freeze,

    /// <summary>A planned switchover through the control plane (<c>POST /api/switchover</c>).</summary>
    Switchover,
}
