namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>The access decision for one request; every outcome but <see cref="Allowed"/> is a refusal with its status.</summary>
public enum AccessOutcome
{
    Allowed,

    /// <summary>401: the route needs a credential and none came.</summary>
    NoCredential,

    /// <summary>401: a bearer token came that matches no credential (or the header is not <c>Bearer</c>).</summary>
    WrongCredential,

    /// <summary>401: only a session cookie came, on a route that takes the credential from the header only.</summary>
    CookieNotAccepted,

    /// <summary>403: a viewer's credential on a route that changes the cluster.</summary>
    ViewerCannotMutate,

    /// <summary>415: a state change whose body is not <c>application/json</c> (a form or plain-text post).</summary>
    NotJson,
}

public static class AccessOutcomes
{
    public static int Status(this AccessOutcome outcome) => outcome switch
    {
        AccessOutcome.Allowed => StatusCodes.Status200OK,
        AccessOutcome.ViewerCannotMutate => StatusCodes.Status403Forbidden,
        AccessOutcome.NotJson => StatusCodes.Status415UnsupportedMediaType,
        _ => StatusCodes.Status401Unauthorized,
    };

    /// <summary>The outcome's name in the event store and on /metrics.</summary>
    public static string Code(this AccessOutcome outcome) => outcome switch
    {
        AccessOutcome.Allowed => "allowed",
        AccessOutcome.NoCredential => "no-credential",
        AccessOutcome.WrongCredential => "wrong-credential",
        AccessOutcome.CookieNotAccepted => "cookie-not-accepted",
        AccessOutcome.ViewerCannotMutate => "viewer-cannot-mutate",
        AccessOutcome.NotJson => "not-json",
        _ => outcome.ToString(),
    };
}
