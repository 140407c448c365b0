using Conjur.EventSourced.ControlPlane.Dashboard;

namespace Conjur.EventSourced.Tests.Unit.Dashboard;

public sealed class LoadBalancerStatsTests
{
    private const string Csv = """
        # pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight
        conjur_http,FRONTEND,,,0,1,4096,3,0,0,0,0,0,,,,,OPEN,
        master_http,node1,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1
        master_http,node2,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1
        master_http,node3,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP 1/2,1
        master_http,BACKEND,0,0,0,0,410,0,0,0,0,0,,0,0,0,0,UP,2
        master_postgres,node1,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,1
        master_postgres,node2,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1
        master_postgres,node3,0,0,0,0,,0,0,0,,0,,0,0,0,0,UP,1
        """;

    [Fact]
    public void FirstServerUpInEachBackend_IsTheOneRouted()
    {
        var servers = LoadBalancerStats.Parse(Csv);

        servers.Count.ShouldBe(6);
        servers.Where(s => s.Routed).Select(s => $"{s.Backend}/{s.Server}").ShouldBe(["master_http/node2", "master_postgres/node3"]);
        servers.Single(s => s.Backend == "master_http" && s.Server == "node3").Up.ShouldBeTrue();
    }

    [Fact]
    public void NoServerUp_NothingRouted()
    {
        LoadBalancerStats.Parse(Csv.Replace("UP", "DOWN", StringComparison.Ordinal)).ShouldAllBe(s => !s.Routed && !s.Up);
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>not csv</html>")]
    [InlineData("# a,b,c\nx,y,z")]
    public void NotHaProxyCsv_NoServersRatherThanAnError(string body)
    {
        LoadBalancerStats.Parse(body).ShouldBeEmpty();
    }
}
