namespace Conjur.EventSourced.Cli.Secrets;

/// <summary>A secrets API call answered with an unexpected status: the message names the call and the status.</summary>
public sealed class SecretsApiException(string message, int status = 0) : Exception(message)
{
    public int Status { get; } = status;
}
