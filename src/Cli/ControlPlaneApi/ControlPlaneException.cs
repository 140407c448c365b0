using System.Net;

namespace Conjur.EventSourced.Cli.ControlPlaneApi;

/// <summary>
/// The control plane could not be reached (<see cref="Status"/> null) or refused the request; the message
/// says which, with the control plane's own JSON error when it gave one.
/// </summary>
public sealed class ControlPlaneException : Exception
{
    public ControlPlaneException(string message, HttpStatusCode? status = null, string? body = null, Exception? inner = null)
        : base(message, inner)
    {
        Status = status;
        Body = body;
    }

    public ControlPlaneException() { }
    public ControlPlaneException(string message) : base(message) { }
    public ControlPlaneException(string message, Exception inner) : base(message, inner) { }

    public HttpStatusCode? Status { get; }
    public string? Body { get; }
    public bool NotFound => Status == HttpStatusCode.NotFound;
}
