using Conjur.EventSourced.ControlPlane.Access;
using Conjur.EventSourced.Hosting.Topology;

namespace Conjur.EventSourced.Tests.Unit.Access;

public sealed class DashboardSessionsTests
{
    private static readonly ApiCredential Viewer = new("viewer", ApiRole.Viewer, "/x/viewer.token", new byte[32]);

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void OpenedSession_FoundWithItsCredential()
    {
        var sessions = new DashboardSessions(new ManualClock(), TimeSpan.FromMinutes(15));
        var (id, _) = sessions.Open(Viewer);

        sessions.Find(id).ShouldNotBeNull().Credential.Name.ShouldBe("viewer");
    }

    [Fact]
    public void EndedSession_NotFound()
    {
        var clock = new ManualClock();
        var sessions = new DashboardSessions(clock, TimeSpan.FromMinutes(15));
        var (id, expires) = sessions.Open(Viewer);

        clock.Now = expires;

        sessions.Find(id).ShouldBeNull();
    }

    [Fact]
    public void UnknownOrEmptyId_NotFound()
    {
        var sessions = new DashboardSessions(new ManualClock(), TimeSpan.FromMinutes(15));
        sessions.Open(Viewer);

        sessions.Find("made-up").ShouldBeNull();
        sessions.Find("").ShouldBeNull();
        sessions.Find(null).ShouldBeNull();
    }

    [Fact]
    public void ManySessions_BoundedTheNewestKept()
    {
        var sessions = new DashboardSessions(new ManualClock(), TimeSpan.FromMinutes(15));
        for (var i = 0; i < DashboardSessions.MaxSessions + 50; i++)
        {
            sessions.Open(Viewer);
        }
        var (last, _) = sessions.Open(Viewer);

        sessions.Find(last).ShouldNotBeNull();
    }
}
