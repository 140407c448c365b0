using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.ControlPlane.Failover.Repository;
using Conjur.EventSourced.ControlPlane.Telemetry;
using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>
/// One failover, switchover or forced promotion: the saga instance, stored as a Marten document with
/// optimistic concurrency. Its history is the stream <see cref="FailoverStream.Key"/>; this document is
/// the current state the state machine needs and the list endpoint shows.
/// </summary>
public sealed class FailoverState : SagaStateMachineInstance, IEventSourcedSaga, JasperFx.Metadata.IVersioned
{
    private readonly List<object> _unrecorded = [];

    /// <summary>The failover id (MassTransit's correlation id, Marten's document id).</summary>
    public Guid CorrelationId { get; set; }
    public Guid Version { get; set; }
    public string CurrentState { get; set; } = "";

    public string ClusterId { get; set; } = "";
    public string Kind { get; set; } = "";
    public string RequestedBy { get; set; } = "";
    public long? Term { get; set; }
    public string FormerMaster { get; set; } = "";

    /// <summary>The node asked to promote (the latest lock winner, the switchover target, or the forced node).</summary>
    public string Candidate { get; set; } = "";
    public List<string> FormerCandidates { get; set; } = [];
    public string? NewMaster { get; set; }
    public int? Timeline { get; set; }
    public long? SwitchPosition { get; set; }

    /// <summary>Every replica to rebase; <see cref="Pending"/> are those that have not answered yet.</summary>
    public List<string> Replicas { get; set; } = [];
    public List<string> Pending { get; set; } = [];
    public List<string> Rebased { get; set; } = [];

    /// <summary>Replica to reason, for replicas that answered StandbyRebaseFailed.</summary>
    public Dictionary<string, string> RebaseFailures { get; set; } = [];

    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public DateTimeOffset? FailedAt { get; set; }
    public string? FailedStep { get; set; }
    public string? FailedReason { get; set; }

    /// <summary>The current step's deadline, its step and its attempt number (bumped on every new deadline); null when nothing is awaited.</summary>
    public DateTimeOffset? Deadline { get; set; }
    public string? DeadlineStep { get; set; }
    public int Attempt { get; set; }

    /// <summary>True once a Promoting timeout has happened: the next one ends the failover.</summary>
    public bool CandidateTimedOut { get; set; }

    public bool IsFinished => CompletedAt is not null || FailedAt is not null;

    public string StreamKey() => FailoverStream.Key(ClusterId, CorrelationId);

    /// <summary>The step of the latest recorded event and when it began: the saga's step durations are measured from these.</summary>
    public string? CurrentStep { get; set; }
    public DateTimeOffset? CurrentStepSince { get; set; }

    public void Record(IFailoverEvent e)
    {
        _unrecorded.Add(e);
        if (e.Step == CurrentStep)
        {
            return;
        }
        if (CurrentStep is { } ended && CurrentStepSince is { } since)
        {
            ControlPlaneMetrics.StepEnded(ended, e.At - since);
        }
        (CurrentStep, CurrentStepSince) = (e.Step, e.At);
    }

    public IReadOnlyList<object> TakeUnrecorded()
    {
        var taken = _unrecorded.ToList();
        _unrecorded.Clear();
        return taken;
    }
}
