using Conjur.EventSourced.Contracts.Failover;
using Conjur.EventSourced.Hosting.Messaging;
using Conjur.EventSourced.Hosting.Topology;
using MassTransit;
using Microsoft.Extensions.Options;
using static Conjur.EventSourced.ControlPlane.Failover.FailoverTransitions;

namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>
/// The control-plane half of docs/failover.md. It orchestrates and records; every safety decision
/// (who leads, who may promote) is taken by the agents in etcd, so a stale or duplicated message here
/// can at worst send an idempotent command again, never make a second master.
/// <para>
/// Events that do not fit the current state (late answers, duplicates of a step already taken) are
/// ignored. Commands leave through the endpoint's in-memory outbox, i.e. only after the transition that
/// sent them is committed; a redelivered trigger of the current step sends its command again, which
/// agents answer idempotently, so a crash between commit and send loses nothing.
/// </para>
/// </summary>
public sealed class FailoverStateMachine : MassTransitStateMachine<FailoverState>
{
    private readonly IClusterMembersReader _members;
    private readonly FailoverOptions _options;
    private readonly TimeProvider _clock;
    private readonly ClusterConfig _config;

    public FailoverStateMachine(IClusterMembersReader members, IOptions<FailoverOptions> options, TimeProvider clock, ClusterConfig config)
    {
        _members = members;
        _options = options.Value;
        _clock = clock;
        _config = config;

        InstanceState(s => s.CurrentState);
        Event(() => LockAcquired, e => e.CorrelateById(c => c.Message.FailoverId));
        Event(() => SwitchoverRequested, e => e.CorrelateById(c => c.Message.FailoverId));
        Event(() => ForcedPromotionRequested, e => e.CorrelateById(c => c.Message.FailoverId));
        Event(() => MasterSteppedDown, e => { e.CorrelateById(c => c.Message.FailoverId); e.OnMissingInstance(m => m.Discard()); });
        Event(() => MasterPromoted, e => { e.CorrelateById(c => c.Message.FailoverId); e.OnMissingInstance(m => m.Discard()); });
        Event(() => PromotionFailed, e => { e.CorrelateById(c => c.Message.FailoverId); e.OnMissingInstance(m => m.Discard()); });
        Event(() => StandbyRebased, e => { e.CorrelateById(c => c.Message.FailoverId); e.OnMissingInstance(m => m.Discard()); });
        Event(() => StandbyRebaseFailed, e => { e.CorrelateById(c => c.Message.FailoverId); e.OnMissingInstance(m => m.Discard()); });
        // The saga re-enrols a switchover's former master with RequestId = FailoverId; an operator's
        // re-enrolment (POST /api/reenroll) has a request id of its own and finds no saga.
        Event(() => NodeReenrolled, e => { e.CorrelateById(c => c.Message.RequestId); e.OnMissingInstance(m => m.Discard()); });
        Event(() => TimedOut, e => { e.CorrelateById(c => c.Message.FailoverId); e.OnMissingInstance(m => m.Discard()); });
        OnUnhandledEvent(c => c.Ignore());

        Initially(
            When(LockAcquired)
                .Then(c =>
                {
                    var m = c.Message;
                    Start(c.Saga, m.ClusterId, m.Kind, $"agent {m.Candidate}", m.FormerMaster, m.Candidate, m.Term, m.Replicas, Now);
                    PromotionRequested(c.Saga, forced: false, Now);
                    Expect(c.Saga, FailoverSteps.Promoting, _options.Promoting, Now);
                })
                .ThenAsync(PublishStartedAsync)
                .ThenAsync(SendPromoteAsync)
                .TransitionTo(Promoting),
            When(SwitchoverRequested)
                .ThenAsync(StartSwitchoverAsync)
                .IfElse(c => c.Saga.FailedAt is null,
                    accepted => accepted
                        .ThenAsync(PublishStartedAsync)
                        .ThenAsync(c => SendAsync(c, c.Saga.FormerMaster, new StepDown
                        {
                            FailoverId = c.Saga.CorrelationId, ClusterId = c.Saga.ClusterId, NodeId = c.Saga.FormerMaster, Target = c.Saga.Candidate,
                        }))
                        .TransitionTo(SteppingDown),
                    refused => refused.ThenAsync(PublishFailedAsync).TransitionTo(Failed)),
            When(ForcedPromotionRequested)
                .ThenAsync(StartForcedAsync)
                .ThenAsync(PublishStartedAsync)
                .ThenAsync(SendPromoteAsync)
                .TransitionTo(Promoting));

        During(SteppingDown,
            When(MasterSteppedDown, c => c.Message.NodeId == c.Saga.FormerMaster)
                .Then(c =>
                {
                    SteppedDown(c.Saga, c.Message, Now);
                    Expect(c.Saga, FailoverSteps.AwaitingLock, _options.AwaitingLock, Now);
                })
                .TransitionTo(AwaitingLock),
            When(PromotionFailed, c => c.Message.NodeId == c.Saga.FormerMaster)
                .Then(c => Fail(c.Saga, FailoverSteps.SteppingDown, $"master {c.Message.NodeId} refused to step down: {c.Message.Reason}", Now))
                .ThenAsync(PublishFailedAsync)
                .TransitionTo(Failed));

        // The target may win the lock before MasterSteppedDown is consumed here: both orders are fine.
        During(SteppingDown, AwaitingLock,
            When(LockAcquired)
                .Then(c => AcceptWinner(c.Saga, c.Message, Now))
                .Then(c => Expect(c.Saga, FailoverSteps.Promoting, _options.Promoting, Now))
                .ThenAsync(SendPromoteAsync)
                .TransitionTo(Promoting));

        During(Promoting,
            When(LockAcquired, c => c.Message.Candidate == c.Saga.Candidate)
                .ThenAsync(SendPromoteAsync),
            When(LockAcquired, c => c.Message.Candidate != c.Saga.Candidate)
                .Then(c => AcceptWinner(c.Saga, c.Message, Now))
                .Then(c => Expect(c.Saga, FailoverSteps.Promoting, _options.Promoting, Now))
                .ThenAsync(SendPromoteAsync),
            When(PromotionFailed, c => c.Message.NodeId == c.Saga.Candidate && c.Saga.Kind == FailoverKinds.Forced)
                .Then(c => PromotionRefused(c.Saga, c.Message, Now))
                .Then(c => Fail(c.Saga, FailoverSteps.Promoting, $"{c.Message.NodeId} could not be promoted: {c.Message.Reason}", Now))
                .ThenAsync(PublishFailedAsync)
                .TransitionTo(Failed),
            // The agent released the lock: the next eligible standby races, and its win starts Promoting again.
            When(PromotionFailed, c => c.Message.NodeId == c.Saga.Candidate && c.Saga.Kind != FailoverKinds.Forced)
                .Then(c => PromotionRefused(c.Saga, c.Message, Now))
                .Then(c => Expect(c.Saga, FailoverSteps.AwaitingLock, _options.AwaitingLock, Now))
                .TransitionTo(AwaitingLock),
            When(TimedOut, c => IsCurrent(c.Saga, c.Message) && c.Saga.Kind == FailoverKinds.Forced)
                .Then(c => TimedOut(c.Saga, c.Message, Now))
                .Then(c => Fail(c.Saga, FailoverSteps.Promoting, WhatDidNotAnswer(c.Saga, FailoverSteps.Promoting) + $" within {_options.Promoting.TotalSeconds:0.#} s", Now))
                .ThenAsync(PublishFailedAsync)
                .TransitionTo(Failed),
            // The candidate is presumed dead: its lock lease expires and another eligible standby may win.
            // Wait one more promoting period for it before giving up.
            When(TimedOut, c => IsCurrent(c.Saga, c.Message) && c.Saga.Kind != FailoverKinds.Forced)
                .Then(c => TimedOut(c.Saga, c.Message, Now))
                .Then(c => Expect(c.Saga, FailoverSteps.AwaitingLock, _options.Promoting, Now))
                .TransitionTo(AwaitingLock));

        // A candidate given up on may still have promoted: etcd let it take leader, so it is the master.
        During(Promoting, AwaitingLock,
            When(MasterPromoted)
                .Then(c => Promoted(c.Saga, c.Message, Now))
                .ThenAsync(SendRebasesAsync)
                .IfElse(c => c.Saga.Pending.Count == 0,
                    none => AfterRebase(none),
                    some => some
                        .Then(c => Expect(c.Saga, FailoverSteps.Rebasing, _options.Rebasing, Now))
                        .TransitionTo(Rebasing)));

        During(Rebasing,
            When(MasterPromoted, c => c.Message.NodeId == c.Saga.NewMaster)
                .ThenAsync(SendRebasesAsync),
            When(StandbyRebased, c => c.Saga.Pending.Contains(c.Message.NodeId))
                .Then(c => Rebased(c.Saga, c.Message, Now))
                .If(c => c.Saga.Pending.Count == 0, AfterRebase),
            When(StandbyRebaseFailed, c => c.Saga.Pending.Contains(c.Message.NodeId))
                .Then(c => RebaseFailed(c.Saga, c.Message, FailoverSteps.Rebasing, Now))
                .If(c => c.Saga.Pending.Count == 0, AfterRebase),
            // The new master serves: a replica that never answered (its node is down) does not undo that.
            // It is listed as not rebased, and comes back through re-enrolment.
            When(TimedOut, c => IsCurrent(c.Saga, c.Message))
                .Then(c => TimedOut(c.Saga, c.Message, Now))
                .Then(c => SilentReplicasFailed(c.Saga, $"did not answer within {_options.Rebasing.TotalSeconds:0.#} s", Now))
                .If(_ => true, AfterRebase));

        During(Reenrolling,
            When(NodeReenrolled, c => c.Message.NodeId == c.Saga.FormerMaster)
                .Then(c => Reenrolled(c.Saga, c.Message, Now))
                .Then(c => Complete(c.Saga, Now))
                .ThenAsync(PublishCompletedAsync)
                .TransitionTo(Completed),
            When(StandbyRebaseFailed, c => c.Message.NodeId == c.Saga.FormerMaster)
                .Then(c => RebaseFailed(c.Saga, c.Message, FailoverSteps.Reenrolling, Now))
                .Then(c => Complete(c.Saga, Now))
                .ThenAsync(PublishCompletedAsync)
                .TransitionTo(Completed));

        During(SteppingDown, AwaitingLock, Reenrolling,
            When(TimedOut, c => IsCurrent(c.Saga, c.Message))
                .Then(c => TimedOut(c.Saga, c.Message, Now))
                .Then(c => Fail(c.Saga, c.Message.Step,
                    WhatDidNotAnswer(c.Saga, c.Message.Step) + $" within {_options.For(c.Message.Step).TotalSeconds:0.#} s", Now))
                .ThenAsync(PublishFailedAsync)
                .TransitionTo(Failed));
    }

    public State SteppingDown { get; private set; } = null!;
    public State AwaitingLock { get; private set; } = null!;
    public State Promoting { get; private set; } = null!;
    public State Rebasing { get; private set; } = null!;
    public State Reenrolling { get; private set; } = null!;
    public State Completed { get; private set; } = null!;
    public State Failed { get; private set; } = null!;

    public Event<PromotionLockAcquired> LockAcquired { get; private set; } = null!;
    public Event<SwitchoverRequested> SwitchoverRequested { get; private set; } = null!;
    public Event<ForcedPromotionRequested> ForcedPromotionRequested { get; private set; } = null!;
    public Event<MasterSteppedDown> MasterSteppedDown { get; private set; } = null!;
    public Event<MasterPromoted> MasterPromoted { get; private set; } = null!;
    public Event<PromotionFailed> PromotionFailed { get; private set; } = null!;
    public Event<StandbyRebased> StandbyRebased { get; private set; } = null!;
    public Event<StandbyRebaseFailed> StandbyRebaseFailed { get; private set; } = null!;
    public Event<NodeReenrolled> NodeReenrolled { get; private set; } = null!;
    public Event<FailoverStepTimedOut> TimedOut { get; private set; } = null!;

    private DateTimeOffset Now => _clock.GetUtcNow();

    /// <summary>Every replica has answered: a switchover still re-enrols its former master; else the failover is complete.</summary>
    private EventActivityBinder<FailoverState, T> AfterRebase<T>(EventActivityBinder<FailoverState, T> binder)
        where T : class =>
        binder.IfElse(c => c.Saga.Kind == FailoverKinds.Switchover && !string.IsNullOrEmpty(c.Saga.FormerMaster),
            switchover => switchover
                .Then(c =>
                {
                    ReenrollRequested(c.Saga, Now);
                    Expect(c.Saga, FailoverSteps.Reenrolling, _options.Reenrolling, Now);
                })
                .ThenAsync(c => SendAsync(c, c.Saga.FormerMaster, new ReenrollNode
                {
                    RequestId = c.Saga.CorrelationId, ClusterId = c.Saga.ClusterId, NodeId = c.Saga.FormerMaster, RequestedBy = "failover saga",
                }))
                .TransitionTo(Reenrolling),
            done => done
                .Then(c => Complete(c.Saga, Now))
                .ThenAsync(PublishCompletedAsync)
                .TransitionTo(Completed));

    private async Task StartSwitchoverAsync(BehaviorContext<FailoverState, SwitchoverRequested> c)
    {
        var m = c.Message;
        var members = await _members.ReadAsync(c.CancellationToken);
        // The API found a healthy master a moment ago. The projection's view of it can flicker (a heartbeat a
        // little late on a loaded machine), so the step-down goes to the last node that said it was master:
        // its agent checks in etcd that it still leads, and the step's timeout covers one that died since.
        var master = members.Master ?? members.LastKnownMaster;
        Start(c.Saga, m.ClusterId, FailoverKinds.Switchover, m.RequestedBy, master ?? "", m.Target, term: null,
            members.Nodes, Now, m.RequestedFrom);
        // The API checked these already; a request that waited in the queue may find the cluster changed.
        var refusal = master switch
        {
            null => "no master to switch over from",
            _ when master == m.Target => $"{m.Target} is already the master",
            _ when !members.Nodes.Contains(m.Target) => $"{m.Target} is not a member of cluster {m.ClusterId}",
            _ => null,
        };
        if (refusal is not null)
        {
            Fail(c.Saga, FailoverSteps.SteppingDown, refusal, Now);
            return;
        }
        StepDownRequested(c.Saga, Now);
        Expect(c.Saga, FailoverSteps.SteppingDown, _options.SteppingDown, Now);
    }

    private async Task StartForcedAsync(BehaviorContext<FailoverState, ForcedPromotionRequested> c)
    {
        var m = c.Message;
        var members = await _members.ReadAsync(c.CancellationToken);
        var formerMaster = members.LastKnownMaster is { } last && last != m.NodeId ? last : "";
        Start(c.Saga, m.ClusterId, FailoverKinds.Forced, m.RequestedBy, formerMaster, m.NodeId, term: null, members.Nodes, Now, m.RequestedFrom);
        PromotionRequested(c.Saga, forced: true, Now);
        Expect(c.Saga, FailoverSteps.Promoting, _options.Promoting, Now);
    }

    private static Task PublishStartedAsync<T>(BehaviorContext<FailoverState, T> c)
        where T : class =>
        c.Publish(new FailoverStarted
        {
            FailoverId = c.Saga.CorrelationId,
            ClusterId = c.Saga.ClusterId,
            Kind = c.Saga.Kind,
            FormerMaster = c.Saga.FormerMaster,
            Candidate = c.Saga.Candidate,
            StartedAt = c.Saga.StartedAt,
        });

    private static Task PublishCompletedAsync<T>(BehaviorContext<FailoverState, T> c)
        where T : class =>
        c.Publish(new FailoverCompleted
        {
            FailoverId = c.Saga.CorrelationId,
            ClusterId = c.Saga.ClusterId,
            Kind = c.Saga.Kind,
            NewMaster = c.Saga.NewMaster ?? "",
            FormerMaster = c.Saga.FormerMaster,
            Rebased = [.. c.Saga.Rebased],
            StartedAt = c.Saga.StartedAt,
            CompletedAt = c.Saga.CompletedAt ?? c.Saga.StartedAt,
        });

    private static Task PublishFailedAsync<T>(BehaviorContext<FailoverState, T> c)
        where T : class =>
        c.Publish(new FailoverFailed
        {
            FailoverId = c.Saga.CorrelationId,
            ClusterId = c.Saga.ClusterId,
            Kind = c.Saga.Kind,
            Step = c.Saga.FailedStep ?? "",
            Reason = c.Saga.FailedReason ?? "",
            FailedAt = c.Saga.FailedAt ?? c.Saga.StartedAt,
        });

    private Task SendPromoteAsync<T>(BehaviorContext<FailoverState, T> c)
        where T : class =>
        SendAsync(c, c.Saga.Candidate, new PromoteStandby
        {
            FailoverId = c.Saga.CorrelationId,
            ClusterId = c.Saga.ClusterId,
            NodeId = c.Saga.Candidate,
            FormerMaster = c.Saga.FormerMaster,
            Forced = c.Saga.Kind == FailoverKinds.Forced,
        });

    private async Task SendRebasesAsync<T>(BehaviorContext<FailoverState, T> c)
        where T : class
    {
        foreach (var replica in c.Saga.Pending)
        {
            await SendAsync(c, replica, new RebaseStandby
            {
                FailoverId = c.Saga.CorrelationId,
                ClusterId = c.Saga.ClusterId,
                NodeId = replica,
                NewMaster = c.Saga.NewMaster!,
                Timeline = c.Saga.Timeline ?? 0,
                SwitchPosition = c.Saga.SwitchPosition ?? 0,
            });
        }
    }

    /// <summary>To the node's own durable queue: a command for an agent that is down waits for it.</summary>
    private async Task SendAsync<TCommand>(ConsumeContext c, string node, TCommand command)
        where TCommand : class
    {
        var endpoint = await c.GetSendEndpoint(AgentQueues.Address(_config.ClusterId, node));
        await endpoint.Send(command, c.CancellationToken);
    }
}
