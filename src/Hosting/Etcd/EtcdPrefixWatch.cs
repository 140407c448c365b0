using Etcdserverpb;
using Grpc.Core;

namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>
/// Watches every key under a prefix and calls back on each change. A watch can miss events across a
/// reconnect, so it remembers the last revision it saw and re-watches from the next one; after any
/// break (or a compaction that makes that impossible) it calls back with <c>null</c>, which tells the
/// listener to resync with a read. Reconnects are paced and the loop ends with its token.
/// </summary>
public sealed class EtcdPrefixWatch(EtcdSession etcd, string prefix)
{
    private static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(200);

    public long LastRevision { get; private set; }

    public async Task RunAsync(Func<IReadOnlyList<Mvccpb.Event>?, Task> onChange, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (LastRevision == 0)
                {
                    LastRevision = (await etcd.GetPrefixAsync(prefix, ct)).Header.Revision;
                    await onChange(null);
                }
                await WatchFromAsync(onChange, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or EtcdUnavailableException or EtcdAuthenticationException or IOException or ObjectDisposedException or HttpRequestException)
            {
                etcd.MoveToNextEndpoint();
            }
            if (ct.IsCancellationRequested)
            {
                return;
            }
            // Whatever happened while we were away, the listener reads the truth again.
            await onChange(null);
            try
            {
                await Task.Delay(ReconnectPause, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task WatchFromAsync(Func<IReadOnlyList<Mvccpb.Event>?, Task> onChange, CancellationToken ct)
    {
        using var call = new Watch.WatchClient(await etcd.StreamInvokerAsync(ct)).Watch(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = EtcdSession.Bytes(prefix),
                RangeEnd = EtcdSession.PrefixEnd(prefix),
                StartRevision = LastRevision + 1,
                ProgressNotify = true,
            },
        }, ct);
        while (await call.ResponseStream.MoveNext(ct))
        {
            var response = call.ResponseStream.Current;
            if (response.CompactRevision > 0 || response.Canceled)
            {
                // The revisions we missed are gone: start over from a fresh read.
                LastRevision = 0;
                return;
            }
            if (response.Events.Count > 0)
            {
                LastRevision = response.Events[^1].Kv.ModRevision;
                await onChange(response.Events);
            }
            else if (!response.Created && response.Header.Revision > LastRevision)
            {
                // A progress notification: everything up to this revision has been delivered.
                LastRevision = response.Header.Revision;
            }
        }
    }
}
