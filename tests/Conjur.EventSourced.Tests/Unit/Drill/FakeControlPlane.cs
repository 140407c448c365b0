using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Conjur.EventSourced.Tests.Unit.Drill;

/// <summary>A stand-in for the control plane's HTTP API on 127.0.0.1, answering with whatever the test says.</summary>
public sealed class FakeControlPlane : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<string, string, (int Status, string Body)> _answer;
    private readonly Task _loop;
    private readonly List<string> _requests = [];
    private readonly List<(string? Authorization, string? ContentType)> _headers = [];

    public FakeControlPlane(Func<string, string, (int Status, string Body)> answer)
    {
        _answer = answer;
        Url = $"http://127.0.0.1:{FreePort()}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = ServeAsync();
    }

    public string Url { get; }

    /// <summary>"METHOD /path body" of every request, in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToList();
            }
        }
    }

    /// <summary>The Authorization and Content-Type headers of every request, in order.</summary>
    public IReadOnlyList<(string? Authorization, string? ContentType)> Headers
    {
        get
        {
            lock (_requests)
            {
                return _headers.ToList();
            }
        }
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var reader = new StreamReader(ctx.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var key = $"{ctx.Request.HttpMethod} {ctx.Request.Url!.AbsolutePath}";
            lock (_requests)
            {
                _requests.Add($"{key} {body}".Trim());
                _headers.Add((ctx.Request.Headers["Authorization"], ctx.Request.ContentType));
            }
            var (status, text) = _answer(key, body);
            ctx.Response.StatusCode = status;
            ctx.Response.ContentType = "application/json";
            var bytes = Encoding.UTF8.GetBytes(text);
            await ctx.Response.OutputStream.WriteAsync(bytes);
            ctx.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
