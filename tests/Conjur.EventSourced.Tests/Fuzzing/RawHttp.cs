using System.Diagnostics;
using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Conjur.EventSourced.Hosting.Tls;

namespace Conjur.EventSourced.Tests.Fuzzing;

/// <summary>What came back for one raw request: a status, the server closing without one, or nothing in time.</summary>
public sealed record RawOutcome(int? Status, bool TimedOut, byte[] Body, string Headers, TimeSpan Took)
{
    /// <summary>The tally key: the status code, "closed" or "timeout".</summary>
    public string Kind => TimedOut ? "timeout" : Status is { } s ? s.ToString(CultureInfo.InvariantCulture) : "closed";
}

/// <summary>
/// An HTTP/1.1 client that sends exactly the bytes it is given (HttpClient would normalise a path's <c>..</c>,
/// refuse a NUL or fix a wrong Content-Length, which are what a fuzzer needs to send). One connection per
/// request, <c>Connection: close</c>; an event stream is read up to its headers only.
/// </summary>
public static class RawHttp
{
    private const int MaxResponseBytes = 16 << 20;

    // One policy per CA file for the whole campaign: reading and parsing the CA at every one of tens of thousands of
    // handshakes made the fuzzer, not the servers, the busiest process (SslStream copies the policy it is given).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Security.Cryptography.X509Certificates.X509ChainPolicy> Trust = new();

    /// <param name="shutDownEarly">Half-close after the bytes are written: a body shorter than its Content-Length then ends there.</param>
    /// <param name="caFile">Speak TLS first, trusting this CA alone (the cluster's client ports answer HTTPS only); null for plain text.</param>
    public static async Task<RawOutcome> SendAsync(int port, byte[] request, bool shutDownEarly, TimeSpan timeout, string? caFile = null)
    {
        var clock = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, LingerState = new LingerOption(true, 0) };
        var received = new MemoryStream();
        try
        {
            await socket.ConnectAsync("127.0.0.1", port, cts.Token);
            await using var stream = await OpenAsync(socket, caFile, cts.Token);
            try
            {
                await stream.WriteAsync(request, cts.Token);
                await stream.FlushAsync(cts.Token);
                if (shutDownEarly)
                {
                    socket.Shutdown(SocketShutdown.Send);
                }
            }
            catch (IOException)
            {
                // The server may answer and close before it has read everything (an oversized body): read its answer.
            }
            var buffer = new byte[64 * 1024];
            while (received.Length < MaxResponseBytes)
            {
                int n;
                try
                {
                    n = await stream.ReadAsync(buffer, cts.Token);
                }
                catch (IOException)
                {
                    break;
                }
                if (n == 0)
                {
                    break;
                }
                await received.WriteAsync(buffer.AsMemory(0, n), cts.Token);
                if (IsEventStreamHead(received))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return Parse(received.ToArray(), clock.Elapsed, timedOut: !IsEventStreamHead(received));
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException)
        {
            // The connection or the TLS handshake failed: the server gave no answer.
            return Parse(received.ToArray(), clock.Elapsed, timedOut: false);
        }
        return Parse(received.ToArray(), clock.Elapsed, timedOut: false);
    }

    private static async Task<Stream> OpenAsync(Socket socket, string? caFile, CancellationToken ct)
    {
        var net = new NetworkStream(socket, ownsSocket: false);
        if (caFile is null)
        {
            return net;
        }
        var tls = new SslStream(net, leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            CertificateChainPolicy = Trust.GetOrAdd(caFile, TlsClient.TrustOnly),
        }, ct);
        return tls;
    }

    /// <summary>A request's bytes: the request line as given (nothing escaped), then headers, then the body.</summary>
    public static byte[] Build(string method, string target, IEnumerable<(string Name, string Value)> headers, byte[]? body, long? contentLength = null)
    {
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        if (body is not null || contentLength is not null)
        {
            head.Append("Content-Length: ").Append((contentLength ?? body!.Length).ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }
        head.Append("Connection: close\r\n\r\n");
        // Latin-1 keeps every char below 256 as one byte, so a NUL or a 0xFF in a target goes out as it is.
        var headBytes = Encoding.Latin1.GetBytes(head.ToString());
        return body is null ? headBytes : [.. headBytes, .. body];
    }

    private static bool IsEventStreamHead(MemoryStream received)
    {
        var text = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)Math.Min(received.Length, 8192));
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end > 0 && text[..end].Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);
    }

    private static RawOutcome Parse(byte[] raw, TimeSpan took, bool timedOut)
    {
        var text = Encoding.Latin1.GetString(raw);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/1.", StringComparison.Ordinal) || end < 0)
        {
            return new RawOutcome(null, timedOut, raw, "", took);
        }
        var statusLine = text[..text.IndexOf("\r\n", StringComparison.Ordinal)];
        var parts = statusLine.Split(' ', 3);
        int? status = parts.Length >= 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : null;
        var headers = text[..end];
        var body = raw[(end + 4)..];
        if (headers.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Dechunk(body);
        }
        return new RawOutcome(status, timedOut, body, headers, took);
    }

    private static byte[] Dechunk(byte[] body)
    {
        var output = new MemoryStream();
        var i = 0;
        while (i < body.Length)
        {
            var lineEnd = IndexOfCrLf(body, i);
            if (lineEnd < 0)
            {
                break;
            }
            var sizeText = Encoding.Latin1.GetString(body, i, lineEnd - i).Split(';')[0].Trim();
            if (!int.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                break;
            }
            var start = lineEnd + 2;
            var take = Math.Min(size, body.Length - start);
            output.Write(body, start, take);
            i = start + size + 2;
        }
        return output.ToArray();
    }

    private static int IndexOfCrLf(byte[] data, int from)
    {
        for (var i = from; i + 1 < data.Length; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n')
            {
                return i;
            }
        }
        return -1;
    }
}
