using Xunit.Abstractions;

namespace Conjur.EventSourced.Tests.Fixtures;

/// <summary>One GET over a link under test: its status code, or null when the connection or the TLS handshake was refused.</summary>
public static class TlsProbe
{
    public static async Task<int?> StatusAsync(string url, SocketsHttpHandler handler, ITestOutputHelper output)
    {
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(url);
            output.WriteLine($"{url}: {(int)response.StatusCode}");
            return (int)response.StatusCode;
        }
        catch (HttpRequestException e)
        {
            output.WriteLine($"{url}: {e.InnerException?.Message ?? e.Message}");
            return null;
        }
    }
}
