namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>Where a request's credential came from.</summary>
public enum CredentialSource
{
    None,

    /// <summary><c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    Header,

    /// <summary>The dashboard's session cookie (read routes only).</summary>
    Cookie,
}
