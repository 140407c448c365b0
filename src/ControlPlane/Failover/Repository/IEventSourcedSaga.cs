using MassTransit;

namespace Conjur.EventSourced.ControlPlane.Failover.Repository;

/// <summary>
/// A saga whose transitions are also events in a stream of its own. The repository appends what the
/// transition recorded in the same Marten transaction as the saga document, so the document's
/// optimistic concurrency check guards both: a transition that loses the race leaves no event behind.
/// </summary>
public interface IEventSourcedSaga : ISaga
{
    /// <summary>Marten's version of the stored document: the optimistic concurrency token.</summary>
    Guid Version { get; set; }

    string StreamKey();

    /// <summary>The events recorded since the instance was loaded; taking them empties the list.</summary>
    IReadOnlyList<object> TakeUnrecorded();
}
