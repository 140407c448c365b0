using Conjur.EventSourced.Hosting.Topology;
using Conjur.EventSourced.NodeAgent.Secrets.Limits;
using Microsoft.Extensions.Configuration;

namespace Conjur.EventSourced.Tests.Unit.Secrets;

public sealed class AuthnThrottleTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_767_225_600);
    private static readonly AuthnLimits Limits = new() { FailuresPerLogin = 3, FailuresPerClient = 5, FailureWindowSeconds = 60 };

    private static FailureWindow Window(int failures, int secondsAgo = 10) => new(Now.AddSeconds(-secondsAgo), failures);

    [Fact]
    public void NoFailures_Allowed() => AuthnThrottle.Decide(null, null, Limits, Now).IsAllowed.ShouldBeTrue();

    [Fact]
    public void LoginBelowItsLimit_Allowed() => AuthnThrottle.Decide(Window(2), null, Limits, Now).IsAllowed.ShouldBeTrue();

    [Fact]
    public void LoginAtItsLimit_RefusedUntilItsWindowEnds() =>
        AuthnThrottle.Decide(Window(3), null, Limits, Now).ShouldBe(new ThrottleDecision("login", 3, 50));

    [Fact]
    public void ClientAtItsLimit_Refused() =>
        AuthnThrottle.Decide(null, Window(5, secondsAgo: 30), Limits, Now).ShouldBe(new ThrottleDecision("client", 5, 30));

    [Fact]
    public void BothFull_TheLaterEndIsGiven() =>
        AuthnThrottle.Decide(Window(3, secondsAgo: 50), Window(5, secondsAgo: 5), Limits, Now).ShouldBe(new ThrottleDecision("client", 5, 55));

    [Fact]
    public void WindowOver_AllowedAgain() => AuthnThrottle.Decide(Window(30, secondsAgo: 60), null, Limits, Now).IsAllowed.ShouldBeTrue();

    [Fact]
    public void RetryAfter_IsRoundedUpAndAtLeastOneSecond() =>
        AuthnThrottle.Decide(new FailureWindow(Now.AddSeconds(-59.9), 3), null, Limits, Now).RetryAfterSeconds.ShouldBe(1);

    [Fact]
    public void FailureInTheWindow_IsCounted() => AuthnThrottle.AfterFailure(Window(2), Limits, Now).ShouldBe(Window(3));

    [Fact]
    public void FailureAfterTheWindow_StartsANewOne() => AuthnThrottle.AfterFailure(Window(7, secondsAgo: 61), Limits, Now).ShouldBe(new FailureWindow(Now, 1));

    [Fact]
    public void FirstFailure_StartsAWindow() => AuthnThrottle.AfterFailure(null, Limits, Now).ShouldBe(new FailureWindow(Now, 1));

    [Fact]
    public void NoSettings_GiveTheDocumentedDefaults() =>
        AuthnLimits.From(new ConfigurationBuilder().Build()).ShouldBe(new AuthnLimits { MaxRequestBytes = 8192, FailuresPerLogin = 10, FailuresPerClient = 30, FailureWindowSeconds = 60 });

    [Fact]
    public void SettingThatIsNotAPositiveInteger_IsAConfigurationErrorNamingIt()
    {
        var settings = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Authn:FailuresPerLogin"] = "0" }).Build();

        Should.Throw<ConfigurationException>(() => AuthnLimits.From(settings)).Message.ShouldContain("Authn:FailuresPerLogin");
    }
}
