using System.Threading.Channels;

namespace Conjur.EventSourced.NodeAgent.Heartbeats;

/// <summary>
/// Decouples the HA cycle from the bus: the cycle never waits on RabbitMQ. While the broker is away the
/// oldest reports are dropped first (a newer report supersedes an older one).
/// </summary>
public sealed class HeartbeatQueue
{
    private readonly Channel<object> _channel = Channel.CreateBounded<object>(new BoundedChannelOptions(600)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    public void Enqueue(object message) => _channel.Writer.TryWrite(message);

    public ChannelReader<object> Reader => _channel.Reader;

    public int Depth => _channel.Reader.Count;
}
