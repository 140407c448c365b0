using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Conjur.EventSourced.Hosting.Tls;
using Conjur.EventSourced.Hosting.Topology;
using Mvccpb;

namespace Conjur.EventSourced.Hosting.Etcd;

/// <summary>
/// A thin, bounded client for etcd v3 over its raw gRPC API. Every call carries a deadline (an HA
/// loop must never hang on a partitioned etcd) and moves on to the next endpoint when one is
/// unavailable. dotnet-etcd's generated clients are used directly because single-shot lease renewals
/// and compare-and-swap transactions need that control.
/// <para>
/// With <see cref="EtcdCredentials"/> the session authenticates once and sends the token etcd returned
/// on every call. etcd refuses a token once it expires and also whenever its user and role store changes
/// (a node enrolled, a password changed: "revision of auth store is old"), so such a refusal makes the
/// session authenticate again and repeat the call once; a token is also renewed ahead of its expiry so
/// an HA cycle rarely pays for it.
/// </para>
/// </summary>
public sealed class EtcdSession : IDisposable
{
    /// <summary>How long etcd's tokens live (the launcher's <c>--auth-token ...,ttl=</c>); renewed at half of it.</summary>
    public static readonly TimeSpan TokenTtl = TimeSpan.FromMinutes(10);

    private readonly IReadOnlyList<string> _endpoints;
    private readonly TimeSpan _callTimeout;
    private readonly EtcdCredentials? _credentials;
    private readonly CertificateSpec? _identity;
    private readonly SemaphoreSlim _authGate = new(1, 1);
    private volatile Token? _token;
    private readonly object _gate = new();
    private GrpcChannel _channel;
    private readonly List<GrpcChannel> _retired = [];
    private int _current;

    /// <param name="identity">The client certificate to present (etcd's <c>--client-cert-auth</c>) and the CA to trust the members by; null in plain text.</param>
    public EtcdSession(IReadOnlyList<string> endpoints, TimeSpan? callTimeout = null, EtcdCredentials? credentials = null, CertificateSpec? identity = null)
    {
        if (endpoints.Count == 0)
        {
            throw new ArgumentException("at least one etcd endpoint is needed", nameof(endpoints));
        }
        _endpoints = endpoints;
        _callTimeout = callTimeout ?? TimeSpan.FromSeconds(1);
        _credentials = credentials;
        _identity = identity;
        _channel = Open(_endpoints[0]);
    }

    public string CurrentEndpoint => _endpoints[_current];

    /// <summary>The etcd user this session acts as; null when it is anonymous.</summary>
    public string? User => _credentials?.User;

    /// <summary>How many times this session has authenticated (each costs etcd a password hash and a raft round).</summary>
    public int Authentications => _authentications;

    private int _authentications;

    /// <summary>A session of <paramref name="config"/>'s etcd as <paramref name="identity"/> (its certificate when TLS is on).</summary>
    public static EtcdSession For(ClusterConfig config, CertificateSpec identity, EtcdCredentials? credentials, TimeSpan? callTimeout = null) =>
        new(config.EtcdEndpoints, callTimeout, credentials, config.Tls.Enabled ? identity : null);

    private GrpcChannel Open(string endpoint)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromMilliseconds(500),
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(2),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(1),
        };
        return GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions
        {
            HttpHandler = _identity is null ? handler : TlsClient.Configure(handler, _identity),
        });
    }

    /// <summary>
    /// A call invoker on the current endpoint, for long-lived streams (watches) that carry no deadline, with a
    /// fresh token. A stream that etcd refuses for its token ends like any broken stream: the caller reads
    /// again (which authenticates again) and opens a new one.
    /// </summary>
    public async Task<CallInvoker> StreamInvokerAsync(CancellationToken ct)
    {
        await EnsureTokenAsync(ct);
        lock (_gate)
        {
            return Invoker(_channel);
        }
    }

    private CallInvoker Invoker(GrpcChannel channel) =>
        _credentials is null ? channel.CreateCallInvoker() : channel.CreateCallInvoker().Intercept(WithToken);

    private Metadata WithToken(Metadata headers)
    {
        if (_token is { } token)
        {
            headers.Add("token", token.Value);
        }
        return headers;
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
        if (_credentials is null)
        {
            return await CallAnyEndpointAsync(call, ct);
        }
        await EnsureTokenAsync(ct);
        var used = _token;
        try
        {
            return await CallAnyEndpointAsync(call, ct);
        }
        catch (RpcException e) when (IsStaleToken(e))
        {
            // Expired, or issued before etcd's users or roles last changed: authenticate again, once.
            await RenewTokenAsync(used, ct);
            return await CallAnyEndpointAsync(call, ct);
        }
    }

    /// <summary>
    /// etcd's answers to a token it no longer takes: "invalid auth token" (expired, or unknown to a restarted
    /// member), "revision of auth store is old", and "user name is empty" (no token reached it).
    /// </summary>
    public static bool IsStaleToken(RpcException e) =>
        e.StatusCode == StatusCode.Unauthenticated
        || (e.StatusCode == StatusCode.InvalidArgument
            && (e.Status.Detail.Contains("auth store is old", StringComparison.Ordinal) || e.Status.Detail.Contains("user name is empty", StringComparison.Ordinal)));

    private async Task EnsureTokenAsync(CancellationToken ct)
    {
        if (_credentials is null)
        {
            return;
        }
        var token = _token;
        if (token is null)
        {
            await RenewTokenAsync(null, ct);
        }
        else if (token.Age > TokenTtl / 2)
        {
            // Still valid for a while: renew it without holding this call up, unless renewal fails, when the
            // next refusal renews it in the foreground.
            _ = Task.Run(async () =>
            {
                try
                {
                    await RenewTokenAsync(token, CancellationToken.None);
                }
                catch (Exception e) when (e is RpcException or EtcdUnavailableException or ObjectDisposedException)
                {
                }
            }, CancellationToken.None);
        }
    }

    /// <summary>Authenticates unless another caller already replaced <paramref name="stale"/>; one at a time.</summary>
    private async Task RenewTokenAsync(Token? stale, CancellationToken ct)
    {
        await _authGate.WaitAsync(ct);
        try
        {
            if (_token is { } current && !ReferenceEquals(current, stale))
            {
                return;
            }
            var request = new AuthenticateRequest { Name = _credentials!.User, Password = _credentials.Password };
            try
            {
                var response = await CallAnyEndpointAsync((inv, o) => new Auth.AuthClient(inv).AuthenticateAsync(request, o).ResponseAsync, ct, withToken: false);
                _token = new Token(response.Token);
                Interlocked.Increment(ref _authentications);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.PermissionDenied)
            {
                // etcd's own message says why (wrong password, authentication not enabled); the password stays out of it.
                throw new EtcdAuthenticationException($"etcd refused user '{_credentials.User}': {e.Status.Detail}", e);
            }
        }
        finally
        {
            _authGate.Release();
        }
    }

    private async Task<T> CallAnyEndpointAsync<T>(Func<CallInvoker, CallOptions, Task<T>> call, CancellationToken ct, bool withToken = true)
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
                var invoker = withToken ? Invoker(channel) : channel.CreateCallInvoker();
                return await call(invoker, new CallOptions(deadline: DateTime.UtcNow + _callTimeout, cancellationToken: ct));
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
        _authGate.Dispose();
    }

    private sealed class Token(string value)
    {
        private readonly long _issued = Environment.TickCount64;

        public string Value => value;

        public TimeSpan Age => TimeSpan.FromMilliseconds(Environment.TickCount64 - _issued);
    }
}
