using Conjur.EventSourced.Hosting.Topology;
using JasperFx;
using Marten;

namespace Conjur.EventSourced.ControlPlane.ClusterHistory;

/// <summary>
/// Appends facts to the cluster stream, each once (by a <see cref="ClusterFactKey"/>). Writes go through
/// one gate: quick append to one stream from concurrent transactions collides on the stream version
/// (23505, see STACK-NOTES), and every consumer here writes to the same stream. Across two control
/// planes the gate does not hold; a collision there fails the transaction and the consumer's retry
/// either appends or finds the key taken.
/// </summary>
public sealed class ClusterFactRecorder(IDocumentStore store, ClusterConfig config, TimeProvider clock, ILogger<ClusterFactRecorder> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>True when appended; false when the fact was already recorded or is another cluster's.</summary>
    public async Task<bool> RecordOnceAsync(string clusterId, string factKey, object fact, CancellationToken ct)
    {
        if (clusterId != config.ClusterId)
        {
            return false;
        }
        var id = $"{clusterId}/{factKey}";
        await _gate.WaitAsync(ct);
        try
        {
            await using var session = store.LightweightSession();
            if (await session.LoadAsync<ClusterFactKey>(id, ct) is not null)
            {
                return false;
            }
            session.Insert(new ClusterFactKey(id, clock.GetUtcNow()));
            session.Events.Append(ClusterStream.Key(clusterId), fact);
            try
            {
                await session.SaveChangesAsync(ct);
            }
            catch (DocumentAlreadyExistsException)
            {
                logger.LogDebug("Cluster fact {Key} was recorded by another writer", id);
                return false;
            }
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
