using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Mvccpb;

namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>
/// A thin, bounded client for etcd v3 over its raw gRPC API. Every call carries a deadline (an HA
/// loop must never hang on a partitioned etcd) and moves on to the next endpoint when one is
/// unavailable. dotnet-etcd's generated clients are used directly because single-shot lease renewals
/// and compare-and-swap transactions need that control.
/// </summary>
public sealed class EtcdSession : IDisposable
{
    private readonly IReadOnlyList<string> _endpoints;
    private readonly TimeSpan _callTimeout;
    private readonly object _gate = new();
    private GrpcChannel _channel;
    private readonly List<GrpcChannel> _retired = [];
    private int _current;

    public EtcdSession(IReadOnlyList<string> endpoints, TimeSpan? callTimeout = null)
    {
        if (endpoints.Count == 0)
        {
            throw new ArgumentException("at least one etcd endpoint is needed", nameof(endpoints));
        }
        _endpoints = endpoints;
        _callTimeout = callTimeout ?? TimeSpan.FromSeconds(1);
        _channel = Open(_endpoints[0]);
    }

    public string CurrentEndpoint => _endpoints[_current];

    private static GrpcChannel Open(string endpoint) => GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromMilliseconds(500),
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(2),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(1),
        },
    });

    /// <summary>A call invoker on the current endpoint, for long-lived streams (watches) that carry no deadline.</summary>
    public CallInvoker StreamInvoker()
    {
        lock (_gate)
        {
            return _channel.CreateCallInvoker();
        }
    }

    /// <summary>Moves to the next endpoint after a long-lived stream broke.</summary>
    public void MoveToNextEndpoint()
    {
        GrpcChannel channel;
        lock (_gate)
        {
            channel = _channel;
        }
        Rotate(channel);
    }

    public static ByteString Bytes(string s) => ByteString.CopyFromUtf8(s);

    /// <summary>Runs a call against the current endpoint, rotating through the others on failure; bounded by one deadline per endpoint.</summary>
    public async Task<T> CallAsync<T>(Func<CallInvoker, CallOptions, Task<T>> call, CancellationToken ct = default)
    {
        RpcException? last = null;
        for (var attempt = 0; attempt < _endpoints.Count; attempt++)
        {
            GrpcChannel channel;
            lock (_gate)
            {
                channel = _channel;
            }
            try
            {
                return await call(channel.CreateCallInvoker(), new CallOptions(deadline: DateTime.UtcNow + _callTimeout, cancellationToken: ct));
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
                                         && !ct.IsCancellationRequested)
            {
                last = e;
                Rotate(channel);
            }
        }
        throw new EtcdUnavailableException($"etcd did not answer on any of {string.Join(", ", _endpoints)}: {last?.Status.Detail}", last);
    }

    private void Rotate(GrpcChannel failed)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(failed, _channel))
            {
                return;
            }
            _current = (_current + 1) % _endpoints.Count;
            _channel = Open(_endpoints[_current]);
            // Other callers may still hold an invoker on the old channel: dispose it with the session, not now.
            _retired.Add(failed);
        }
    }

    public Task<RangeResponse> GetAsync(string key, CancellationToken ct = default) =>
        CallAsync((inv, o) => new KV.KVClient(inv).RangeAsync(new RangeRequest { Key = Bytes(key) }, o).ResponseAsync, ct);

    public async Task<KeyValue?> GetKeyAsync(string key, CancellationToken ct = default) =>
        (await GetAsync(key, ct)).Kvs.FirstOrDefault();

    public async Task<string?> GetStringAsync(string key, CancellationToken ct = default) =>
        (await GetKeyAsync(key, ct))?.Value.ToStringUtf8();

    public Task<RangeResponse> GetPrefixAsync(string prefix, CancellationToken ct = default) =>
        CallAsync((inv, o) => new KV.KVClient(inv).RangeAsync(new RangeRequest { Key = Bytes(prefix), RangeEnd = PrefixEnd(prefix) }, o).ResponseAsync, ct);

    public Task<PutResponse> PutAsync(string key, string value, long lease = 0, CancellationToken ct = default) =>
        CallAsync((inv, o) => new KV.KVClient(inv).PutAsync(new PutRequest { Key = Bytes(key), Value = Bytes(value), Lease = lease }, o).ResponseAsync, ct);

    public Task<DeleteRangeResponse> DeleteAsync(string key, CancellationToken ct = default) =>
        CallAsync((inv, o) => new KV.KVClient(inv).DeleteRangeAsync(new DeleteRangeRequest { Key = Bytes(key) }, o).ResponseAsync, ct);

    public Task<TxnResponse> TxnAsync(TxnRequest txn, CancellationToken ct = default) =>
        CallAsync((inv, o) => new KV.KVClient(inv).TxnAsync(txn, o).ResponseAsync, ct);

    public async Task<long> GrantLeaseAsync(int ttlSeconds, CancellationToken ct = default) =>
        (await CallAsync((inv, o) => new Lease.LeaseClient(inv).LeaseGrantAsync(new LeaseGrantRequest { TTL = ttlSeconds }, o).ResponseAsync, ct)).ID;

    /// <summary>Renews a lease once; returns its remaining TTL in seconds, 0 when etcd no longer knows it (expired or revoked).</summary>
    public Task<long> KeepAliveOnceAsync(long leaseId, CancellationToken ct = default) =>
        CallAsync(async (inv, o) =>
        {
            using var stream = new Lease.LeaseClient(inv).LeaseKeepAlive(o);
            await stream.RequestStream.WriteAsync(new LeaseKeepAliveRequest { ID = leaseId }, o.CancellationToken);
            await stream.RequestStream.CompleteAsync();
            return await stream.ResponseStream.MoveNext(o.CancellationToken) ? stream.ResponseStream.Current.TTL : 0;
        }, ct);

    public async Task RevokeLeaseAsync(long leaseId, CancellationToken ct = default)
    {
        try
        {
            await CallAsync((inv, o) => new Lease.LeaseClient(inv).LeaseRevokeAsync(new LeaseRevokeRequest { ID = leaseId }, o).ResponseAsync, ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Already gone: the goal of a revoke is reached.
        }
    }

    /// <summary>The key just past every key with this prefix, for range reads and watches.</summary>
    public static ByteString PrefixEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }

    public static Compare KeyMissing(string key) =>
        new() { Key = Bytes(key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 };

    public static Compare ModRevisionIs(string key, long revision) =>
        new() { Key = Bytes(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = revision };

    public static Compare ValueIs(string key, string value) =>
        new() { Key = Bytes(key), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = Bytes(value) };

    public static RequestOp Put(string key, string value, long lease = 0) =>
        new() { RequestPut = new PutRequest { Key = Bytes(key), Value = Bytes(value), Lease = lease } };

    public static RequestOp Delete(string key) => new() { RequestDeleteRange = new DeleteRangeRequest { Key = Bytes(key) } };

    public static RequestOp Get(string key) => new() { RequestRange = new RangeRequest { Key = Bytes(key) } };

    public void Dispose()
    {
        lock (_gate)
        {
            _channel.Dispose();
            _retired.ForEach(c => c.Dispose());
        }
    }
}
