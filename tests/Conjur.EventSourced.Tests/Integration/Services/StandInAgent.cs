using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conjur.EventSourced.Tests.Integration.Services;

/// <summary>
/// Plays a node for the load balancer: its agent's HTTP port answers <c>/health</c> with a settable
/// status and every other path with the node's id; its Postgres port greets with the node's id.
/// Not the service under test: haproxy is.
/// </summary>
public sealed class StandInAgent : IAsyncDisposable
{
    private readonly HttpListener _http = new();
    private readonly TcpListener _postgres;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _httpLoop;
    private readonly Task _postgresLoop;

    public StandInAgent(string id, string host, int httpPort, int postgresPort, HttpStatusCode health)
    {
        Id = id;
        Health = health;
        _http.Prefixes.Add($"http://{host}:{httpPort}/");
        _http.Start();
        _postgres = new TcpListener(IPAddress.Parse(host), postgresPort);
        _postgres.Start();
        _httpLoop = ServeHttpAsync();
        _postgresLoop = ServePostgresAsync();
    }

    public string Id { get; }

    /// <summary>What /health answers: 200 plays the master, 503 anything else.</summary>
    public HttpStatusCode Health { get; set; }

    private async Task ServeHttpAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _http.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            // haproxy may close a check's connection before the body is written: that one request is
            // lost, never the loop (a dead loop would take this stand-in out of the load balancer).
            try
            {
                var isHealth = context.Request.Url?.AbsolutePath == "/health";
                context.Response.StatusCode = (int)(isHealth ? Health : HttpStatusCode.OK);
                var body = Encoding.UTF8.GetBytes(Id);
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                context.Response.Abort();
            }
        }
    }

    private async Task ServePostgresAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var client = await _postgres.AcceptTcpClientAsync(_stop.Token);
                await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(Id + "\n"), _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stop.CancelAsync();
        _http.Stop();
        _http.Close();
        _postgres.Stop();
        await Task.WhenAll(_httpLoop, _postgresLoop);
        _stop.Dispose();
    }
}
