using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.ControlPlane.Failover.History;
using Conjur.EventSourced.ControlPlane.Telemetry;

namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>
/// What each transition does to the saga instance, and the event it records in the saga's stream.
/// Plain methods on the instance, apart from the state machine's wiring, so they can be tested alone.
/// </summary>
public static class FailoverTransitions
{
    /// <param name="requestedBy">The API credential's name for an operator's request; <c>agent NODE</c> for an automatic failover.</param>
    /// <param name="requestedFrom">The client address of an operator's request.</param>
    public static void Start(FailoverState s, string clusterId, string kind, string requestedBy, string formerMaster, string candidate,
        long? term, IEnumerable<string> replicas, DateTimeOffset now, string? requestedFrom = null)
    {
        s.ClusterId = clusterId;
        s.Kind = kind;
        s.RequestedBy = requestedBy;
        s.FormerMaster = formerMaster;
        s.Candidate = candidate;
        s.Term = term;
        s.Replicas = [.. replicas.Where(r => r != candidate && r != formerMaster).Distinct()];
        s.StartedAt = now;
        s.Record(new FailoverInitiated(s.CorrelationId, FailoverSteps.Started, candidate,
            $"{kind} failover requested by {requestedBy}{(requestedFrom is null ? "" : $" from {requestedFrom}")}: former master '{formerMaster}', candidate {candidate}, replicas [{string.Join(", ", s.Replicas)}]", now));
    }

    /// <summary>Sets the deadline of the step now awaited; the new attempt number makes every older timeout stale.</summary>
    public static void Expect(FailoverState s, string step, TimeSpan within, DateTimeOffset now)
    {
        s.Deadline = now + within;
        s.DeadlineStep = step;
        s.Attempt++;
    }

    public static bool IsCurrent(FailoverState s, FailoverStepTimedOut timeout) =>
        s.Deadline is not null && s.DeadlineStep == timeout.Step && s.Attempt == timeout.Attempt;

    public static void StepDownRequested(FailoverState s, DateTimeOffset now) =>
        s.Record(new StepDownRequested(s.CorrelationId, FailoverSteps.SteppingDown, s.FormerMaster, $"asked master {s.FormerMaster} to step down for {s.Candidate}", now));

    public static void SteppedDown(FailoverState s, MasterSteppedDown m, DateTimeOffset now) =>
        s.Record(new StepDownConfirmed(s.CorrelationId, FailoverSteps.SteppingDown, m.NodeId,
            $"{m.NodeId} stepped down at position {m.Position} ({m.SteppedDownAt:O})", now));

    public static void PromotionRequested(FailoverState s, bool forced, DateTimeOffset now) =>
        s.Record(new PromotionRequested(s.CorrelationId, FailoverSteps.Promoting, s.Candidate,
            forced ? $"forced promotion of {s.Candidate} (writes not on it are lost)" : $"asked {s.Candidate} to promote", now));

    /// <summary>A lock winner while none or another is the candidate: the first one (or a dead one) is replaced.</summary>
    public static void AcceptWinner(FailoverState s, PromotionLockAcquired m, DateTimeOffset now)
    {
        var previous = s.Candidate;
        s.Candidate = m.Candidate;
        s.Term ??= m.Term;
        if (string.IsNullOrEmpty(s.FormerMaster))
        {
            s.FormerMaster = m.FormerMaster;
        }
        s.Replicas = [.. m.Replicas.Where(r => r != m.Candidate && r != s.FormerMaster).Distinct()];
        if (!string.IsNullOrEmpty(previous) && previous != m.Candidate)
        {
            s.FormerCandidates.Add(previous);
            s.Record(new CandidateReplaced(s.CorrelationId, FailoverSteps.Promoting, m.Candidate,
                $"{m.Candidate} won the promotion lock at position {m.Position}; replaces {previous}", now));
        }
        s.Record(new PromotionRequested(s.CorrelationId, FailoverSteps.Promoting, m.Candidate, $"asked {m.Candidate} to promote (lock won at position {m.Position})", now));
    }

    public static void PromotionRefused(FailoverState s, PromotionFailed m, DateTimeOffset now) =>
        s.Record(new PromotionRefused(s.CorrelationId, FailoverSteps.Promoting, m.NodeId, $"{m.NodeId} could not promote: {m.Reason}", now));

    /// <summary>Whoever etcd let take <c>leader</c> is the new master, even a candidate already given up on.</summary>
    public static void Promoted(FailoverState s, MasterPromoted m, DateTimeOffset now)
    {
        s.NewMaster = m.NodeId;
        s.Timeline = m.Timeline;
        s.SwitchPosition = m.SwitchPosition;
        s.Pending = [.. s.Replicas.Where(r => r != m.NodeId && r != s.FormerMaster)];
        s.Replicas = [.. s.Pending];
        s.Deadline = null;
        s.Record(new PromotionConfirmed(s.CorrelationId, FailoverSteps.Promoting, m.NodeId,
            $"{m.NodeId} is master on timeline {m.Timeline}, switch position {m.SwitchPosition}"
            + (m.SelfPromoted ? " (it promoted itself: the saga's command had not reached it in time)" : ""), now));
        foreach (var replica in s.Pending)
        {
            s.Record(new RebaseRequested(s.CorrelationId, FailoverSteps.Rebasing, replica, $"asked {replica} to follow {m.NodeId} on timeline {m.Timeline}", now));
        }
    }

    public static void Rebased(FailoverState s, StandbyRebased m, DateTimeOffset now)
    {
        s.Pending.Remove(m.NodeId);
        s.Rebased.Add(m.NodeId);
        s.Record(new RebaseConfirmed(s.CorrelationId, FailoverSteps.Rebasing, m.NodeId, $"{m.NodeId} follows {m.NewMaster} ({m.Method})", now));
    }

    public static void RebaseFailed(FailoverState s, StandbyRebaseFailed m, string step, DateTimeOffset now)
    {
        s.Pending.Remove(m.NodeId);
        s.RebaseFailures[m.NodeId] = m.Reason;
        s.Record(new RebaseRefused(s.CorrelationId, step, m.NodeId, $"{m.NodeId} could not follow the new master: {m.Reason}", now));
    }

    public static void SilentReplicasFailed(FailoverState s, string reason, DateTimeOffset now)
    {
        foreach (var node in s.Pending.ToList())
        {
            s.Pending.Remove(node);
            s.RebaseFailures[node] = reason;
            s.Record(new RebaseRefused(s.CorrelationId, FailoverSteps.Rebasing, node, $"{node} {reason}", now));
        }
    }

    public static void ReenrollRequested(FailoverState s, DateTimeOffset now) =>
        s.Record(new ReenrollRequested(s.CorrelationId, FailoverSteps.Reenrolling, s.FormerMaster, $"asked former master {s.FormerMaster} to re-enrol as a standby of {s.NewMaster}", now));

    public static void Reenrolled(FailoverState s, NodeReenrolled m, DateTimeOffset now)
    {
        s.Rebased.Add(m.NodeId);
        s.Record(new ReenrollConfirmed(s.CorrelationId, FailoverSteps.Reenrolling, m.NodeId, $"{m.NodeId} re-enrolled as a standby of {m.Master} ({m.Method})", now));
    }

    public static void TimedOut(FailoverState s, FailoverStepTimedOut t, DateTimeOffset now)
    {
        s.Deadline = null;
        s.Record(new StepTimedOut(s.CorrelationId, t.Step, NodeAwaited(s, t.Step), WhatDidNotAnswer(s, t.Step), now));
    }

    public static void Complete(FailoverState s, DateTimeOffset now)
    {
        s.CompletedAt = now;
        s.Deadline = null;
        ControlPlaneMetrics.FailoverEnded("completed", s.Kind);
        var failures = s.RebaseFailures.Count == 0 ? "" : $"; not rebased: {string.Join(", ", s.RebaseFailures.Select(f => $"{f.Key} ({f.Value})"))}";
        s.Record(new FailoverSucceeded(s.CorrelationId, FailoverSteps.Completed, s.NewMaster,
            $"{s.NewMaster} is master; rebased: [{string.Join(", ", s.Rebased)}]{failures}", now));
    }

    public static void Fail(FailoverState s, string step, string reason, DateTimeOffset now)
    {
        s.FailedAt = now;
        ControlPlaneMetrics.FailoverEnded("failed", s.Kind);
        s.FailedStep = step;
        s.FailedReason = reason;
        s.Deadline = null;
        s.Record(new FailoverAborted(s.CorrelationId, step, NodeAwaited(s, step), reason, now));
    }

    /// <summary>The reason a timeout gives: who did not answer what, and for how long.</summary>
    public static string WhatDidNotAnswer(FailoverState s, string step) => step switch
    {
        FailoverSteps.SteppingDown => $"master {s.FormerMaster} did not step down (no MasterSteppedDown)",
        FailoverSteps.AwaitingLock when s.Kind == FailoverKinds.Switchover && s.FormerCandidates.Count == 0 =>
            $"target {s.Candidate} did not win the promotion lock (no PromotionLockAcquired)",
        FailoverSteps.AwaitingLock => $"candidate {s.Candidate} presumed dead and no other standby won the promotion lock (no PromotionLockAcquired)",
        FailoverSteps.Promoting => $"candidate {s.Candidate} did not promote (no MasterPromoted)",
        FailoverSteps.Rebasing => $"replicas {string.Join(", ", s.Pending)} did not answer RebaseStandby",
        FailoverSteps.Reenrolling => $"former master {s.FormerMaster} did not answer ReenrollNode",
        _ => $"no answer in step {step}",
    };

    private static string? NodeAwaited(FailoverState s, string step) => step switch
    {
        FailoverSteps.SteppingDown or FailoverSteps.Reenrolling => s.FormerMaster,
        FailoverSteps.Promoting or FailoverSteps.AwaitingLock => s.Candidate,
        _ => null,
    };
}
