namespace Conjur.EventSourced.ControlPlane.Access;

/// <summary>
/// The API's audit stream (<c>{cluster}/operator</c>): every request to a route that changes the cluster, allowed
/// (<see cref="OperatorRequestAuthorized"/>) or refused (<see cref="OperatorRequestRefused"/>), with the credential's name.
/// <c>./cluster events --stream operator</c> shows it.
/// </summary>
public static class OperatorStream
{
    public static string Key(string clusterId) => $"{clusterId}/operator";
}
