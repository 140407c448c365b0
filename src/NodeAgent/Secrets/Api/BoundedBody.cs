using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace Conjur.EventSourced.NodeAgent.Secrets.Api;

/// <summary>
/// Reads a request body up to a limit, never further: a declared <c>Content-Length</c> over the limit is refused
/// before a byte is read, and a chunked body is read only until it passes the limit. What a refused client sent
/// beyond that is never held in memory.
/// </summary>
public static class BoundedBody
{
    /// <summary>The body, or null when it is longer than <paramref name="limit"/> bytes.</summary>
    /// <exception cref="UnreadableBodyException">The body could not be read to its end.</exception>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        if (request.ContentLength is { } declared && declared > limit)
        {
            return null;
        }
        // Kestrel enforces the same bound itself (its default, 30 MB, would otherwise be the cap of a larger limit), and
        // stops reading a chunked body once it has parsed past it, ahead of what this loop took: its refusal is ours.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = limit + 1;
        }
        try
        {
            return await ReadUpToAsync(request.Body, (int)Math.Min(request.ContentLength ?? 4096, limit), limit, ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        catch (BadHttpRequestException e)
        {
            throw new UnreadableBodyException(e.StatusCode, $"the request body could not be read: {e.Message}", e);
        }
        catch (IOException e)
        {
            // Kestrel reports some framing errors (a chunk size that overflows) and a reset connection this way.
            throw new UnreadableBodyException(StatusCodes.Status400BadRequest, $"the request body could not be read: {e.Message}", e);
        }
    }

    private static async Task<byte[]?> ReadUpToAsync(Stream source, int capacity, long limit, CancellationToken ct)
    {
        using var body = new MemoryStream(capacity);
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            while (true)
            {
                var read = await source.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit + 1 - body.Length)), ct);
                if (read == 0)
                {
                    return body.ToArray();
                }
                await body.WriteAsync(chunk.AsMemory(0, read), ct);
                if (body.Length > limit)
                {
                    return null;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>413 in Conjur's error shape, naming the limit's setting.</summary>
    public static IResult TooLarge(long limit, string setting) =>
        ConjurErrors.Error(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"the request body is over {limit} bytes, the limit set by {setting}");
}
