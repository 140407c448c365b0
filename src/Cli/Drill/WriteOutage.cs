namespace Conjur.EventSourced.Cli.Drill;

/// <summary>
/// The write outage a client saw around a fault, from the times of acknowledged writes.
/// <para>
/// <see cref="LastBefore"/> and <see cref="FirstAfter"/> are the acks either side of the fault. The outage
/// is the longest stretch without an ack from <see cref="LastBefore"/> on: when the master dies it starts
/// at the fault, but a hung master (or a switchover's step-down) can go on acknowledging for a while after
/// it, so the gap straddling the fault alone would understate what clients felt.
/// </para>
/// </summary>
public sealed record WriteOutage(TimeSpan Fault, TimeSpan? LastBefore, TimeSpan? FirstAfter, TimeSpan? OutageStart, TimeSpan? ResumedAt)
{
    /// <summary>Length of the outage; null when writes never resumed.</summary>
    public TimeSpan? Length => OutageStart is { } s && ResumedAt is { } r ? r - s : null;

    /// <summary>From the fault to the first ack that ended the outage.</summary>
    public TimeSpan? ResumedAfterFault => ResumedAt is { } r ? r - Fault : null;

    /// <param name="ackTimes">Times of acknowledged writes, in ascending order (one writer: they are).</param>
    /// <param name="end">When the writer stopped: a stretch without acks up to it that is longer than every
    /// closed gap is an outage that never ended (writes trickled on for a moment after the fault, then stopped).</param>
    public static WriteOutage Compute(IReadOnlyList<TimeSpan> ackTimes, TimeSpan fault, TimeSpan? end = null)
    {
        TimeSpan? lastBefore = null;
        var firstAfterIndex = ackTimes.Count;
        for (var i = 0; i < ackTimes.Count; i++)
        {
            if (i > 0 && ackTimes[i] < ackTimes[i - 1])
            {
                throw new ArgumentException("ack times must be in ascending order", nameof(ackTimes));
            }
            if (ackTimes[i] <= fault)
            {
                lastBefore = ackTimes[i];
            }
            else if (firstAfterIndex == ackTimes.Count)
            {
                firstAfterIndex = i;
            }
        }
        TimeSpan? firstAfter = firstAfterIndex < ackTimes.Count ? ackTimes[firstAfterIndex] : null;
        var previous = lastBefore ?? fault;
        if (firstAfter is null)
        {
            return new WriteOutage(fault, lastBefore, null, previous, null);
        }
        TimeSpan start = previous, finish = ackTimes[firstAfterIndex], longest = TimeSpan.MinValue;
        for (var i = firstAfterIndex; i < ackTimes.Count; i++)
        {
            var gap = ackTimes[i] - previous;
            if (gap > longest)
            {
                (longest, start, finish) = (gap, previous, ackTimes[i]);
            }
            previous = ackTimes[i];
        }
        if (end is { } stop && stop - previous > longest)
        {
            return new WriteOutage(fault, lastBefore, firstAfter, previous, null);
        }
        return new WriteOutage(fault, lastBefore, firstAfter, start, finish);
    }
}
