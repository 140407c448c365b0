namespace Conjur.EventSourced.Hosting.Topology;

/// <summary>A broken configuration: the message says what to fix.</summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(string message) : base(message) { }
    public ConfigurationException(string message, Exception inner) : base(message, inner) { }
    public ConfigurationException() { }
}
