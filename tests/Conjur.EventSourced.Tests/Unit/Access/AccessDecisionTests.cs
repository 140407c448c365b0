using Conjur.EventSourced.ControlPlane.Access;
using Conjur.EventSourced.Hosting.Topology;
using static Conjur.EventSourced.ControlPlane.Access.AccessDecision;

namespace Conjur.EventSourced.Tests.Unit.Access;

/// <summary>Route kind x credential (where from, which role) x open reads x JSON body: one branch, one outcome each.</summary>
public sealed class AccessDecisionTests
{
    private const bool Json = true;
    private const bool Form = false;
    private const bool Closed = false;
    private const bool OpenReads = true;

    [Fact]
    public void OpenRoute_NoCredential_Allowed() =>
        Decide(RouteKind.Open, CredentialSource.None, null, Closed, Form).ShouldBe(AccessOutcome.Allowed);

    [Fact]
    public void OpenRoute_WrongToken_Allowed() =>
        Decide(RouteKind.Open, CredentialSource.Header, null, Closed, Form).ShouldBe(AccessOutcome.Allowed);

    [Fact]
    public void Read_NoCredential_401() =>
        Decide(RouteKind.Read, CredentialSource.None, null, Closed, Form).ShouldBe(AccessOutcome.NoCredential);

    [Fact]
    public void Read_NoCredentialWithOpenReads_Allowed() =>
        Decide(RouteKind.Read, CredentialSource.None, null, OpenReads, Form).ShouldBe(AccessOutcome.Allowed);

    [Fact]
    public void Read_WrongToken_401EvenWithOpenReads() =>
        Decide(RouteKind.Read, CredentialSource.Header, null, OpenReads, Form).ShouldBe(AccessOutcome.WrongCredential);

    [Fact]
    public void Read_ViewerToken_Allowed() =>
        Decide(RouteKind.Read, CredentialSource.Header, ApiRole.Viewer, Closed, Form).ShouldBe(AccessOutcome.Allowed);

    [Fact]
    public void Read_OperatorToken_Allowed() =>
        Decide(RouteKind.Read, CredentialSource.Header, ApiRole.Operator, Closed, Form).ShouldBe(AccessOutcome.Allowed);

    [Fact]
    public void Read_SessionCookie_Allowed() =>
        Decide(RouteKind.Read, CredentialSource.Cookie, ApiRole.Viewer, Closed, Form).ShouldBe(AccessOutcome.Allowed);

    [Fact]
    public void Read_EndedSessionCookie_CountsAsNone() =>
        Decide(RouteKind.Read, CredentialSource.Cookie, null, Closed, Form).ShouldBe(AccessOutcome.NoCredential);

    [Fact]
    public void Read_EndedSessionCookieWithOpenReads_Allowed() =>
        Decide(RouteKind.Read, CredentialSource.Cookie, null, OpenReads, Form).ShouldBe(AccessOutcome.Allowed);

    [Fact]
    public void Mutate_NoCredential_401() =>
        Decide(RouteKind.Mutate, CredentialSource.None, null, Closed, Json).ShouldBe(AccessOutcome.NoCredential);

    [Fact]
    public void Mutate_NoCredentialWithOpenReads_Still401() =>
        Decide(RouteKind.Mutate, CredentialSource.None, null, OpenReads, Json).ShouldBe(AccessOutcome.NoCredential);

    [Fact]
    public void Mutate_WrongToken_401() =>
        Decide(RouteKind.Mutate, CredentialSource.Header, null, Closed, Json).ShouldBe(AccessOutcome.WrongCredential);

    [Fact]
    public void Mutate_ViewerToken_403() =>
        Decide(RouteKind.Mutate, CredentialSource.Header, ApiRole.Viewer, Closed, Json).ShouldBe(AccessOutcome.ViewerCannotMutate);

    [Fact]
    public void Mutate_OperatorSessionCookie_401() =>
        Decide(RouteKind.Mutate, CredentialSource.Cookie, ApiRole.Operator, Closed, Json).ShouldBe(AccessOutcome.CookieNotAccepted);

    [Fact]
    public void Mutate_OperatorTokenWithForm_415() =>
        Decide(RouteKind.Mutate, CredentialSource.Header, ApiRole.Operator, Closed, Form).ShouldBe(AccessOutcome.NotJson);

    [Fact]
    public void Mutate_OperatorTokenWithJson_Allowed() =>
        Decide(RouteKind.Mutate, CredentialSource.Header, ApiRole.Operator, Closed, Json).ShouldBe(AccessOutcome.Allowed);

    [Fact]
    public void Session_ViewerToken_Allowed() =>
        Decide(RouteKind.Session, CredentialSource.Header, ApiRole.Viewer, Closed, Json).ShouldBe(AccessOutcome.Allowed);

    [Fact]
    public void Session_NoCredential_401() =>
        Decide(RouteKind.Session, CredentialSource.None, null, OpenReads, Json).ShouldBe(AccessOutcome.NoCredential);

    [Fact]
    public void Session_FromACookie_401() =>
        Decide(RouteKind.Session, CredentialSource.Cookie, ApiRole.Viewer, Closed, Json).ShouldBe(AccessOutcome.CookieNotAccepted);

    [Fact]
    public void Session_WithForm_415() =>
        Decide(RouteKind.Session, CredentialSource.Header, ApiRole.Viewer, Closed, Form).ShouldBe(AccessOutcome.NotJson);

    [Fact]
    public void UndeclaredGet_IsARead() => Undeclared("GET").ShouldBe(RouteKind.Read);

    [Fact]
    public void UndeclaredPost_NeedsTheOperator() => Undeclared("POST").ShouldBe(RouteKind.Mutate);

    [Fact]
    public void UndeclaredDelete_NeedsTheOperator() => Undeclared("DELETE").ShouldBe(RouteKind.Mutate);

    [Fact]
    public void Outcomes_AnswerTheirStatus()
    {
        AccessOutcome.NoCredential.Status().ShouldBe(401);
        AccessOutcome.WrongCredential.Status().ShouldBe(401);
        AccessOutcome.CookieNotAccepted.Status().ShouldBe(401);
        AccessOutcome.ViewerCannotMutate.Status().ShouldBe(403);
        AccessOutcome.NotJson.Status().ShouldBe(415);
    }
}
