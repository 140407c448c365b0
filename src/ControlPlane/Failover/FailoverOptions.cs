namespace Conjur.EventSourced.ControlPlane.Failover;

/// <summary>
/// How long each step may wait for its answer (docs/failover.md), and how often the timeout scheduler
/// looks for sagas past their deadline. Bound from the <c>FailoverSaga</c> configuration section
/// (appsettings, environment <c>FailoverSaga__Promoting=00:00:05</c>, or the command line).
/// </summary>
public sealed class FailoverOptions
{
    public const string Section = "FailoverSaga";

    /// <summary>A checkpoint and a clean shutdown under load: seconds on a busy 2-core machine.</summary>
    public TimeSpan SteppingDown { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan AwaitingLock { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan Promoting { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan Rebasing { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The former master of a switchover re-enrols by rebasing too: the same allowance.</summary>
    public TimeSpan Reenrolling { get; set; } = TimeSpan.FromSeconds(60);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>A timeout published but not yet consumed is published again after this long (the first may have been lost with a broker).</summary>
    public TimeSpan RepublishAfter { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan For(string step) => step switch
    {
        FailoverSteps.SteppingDown => SteppingDown,
        FailoverSteps.AwaitingLock => AwaitingLock,
        FailoverSteps.Promoting => Promoting,
        FailoverSteps.Rebasing => Rebasing,
        FailoverSteps.Reenrolling => Reenrolling,
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, "no deadline for this step"),
    };
}
