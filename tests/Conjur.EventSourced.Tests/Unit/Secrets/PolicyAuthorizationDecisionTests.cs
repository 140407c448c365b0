using Conjur.EventSourced.NodeAgent.Secrets.Authz;
using Conjur.EventSourced.NodeAgent.Secrets.Policy;
using static Conjur.EventSourced.NodeAgent.Secrets.Authz.PolicyRefusal.Kinds;

namespace Conjur.EventSourced.Tests.Unit.Secrets;

/// <summary><see cref="PolicyAuthorization"/>: one rule, one outcome, on a store holding root, its admin and policy <c>apps</c> (declared by root).</summary>
public sealed class PolicyAuthorizationDecisionTests
{
    private const string Root = "acme:policy:root";
    private const string Apps = "acme:policy:apps";
    private static readonly ExistingRecord RootPolicy = new(Root, "acme:user:admin", Root);
    private static readonly ExistingRecord AppsPolicy = new(Apps, Root, Root);
    private static readonly ExistingRecord Ci = new ExistingRecord("acme:host:ci", Root, Root);

    private static PolicyFacts Facts(params ExistingRecord[] more) => PolicyFacts.Of([RootPolicy, AppsPolicy, Ci, .. more]);

    private static PolicyRefusal? Check(string yaml, PolicyFacts facts, string method = "PATCH", string target = Apps) =>
        PolicyAuthorization.Check(PolicyParser.Parse(yaml, "acme", target.Split(':')[2]), target, method, facts);

    [Fact]
    public void PostWithCreate_MayLoad() =>
        PolicyAuthorization.MayLoad("POST", Apps, new HashSet<string> { "create" }).ShouldBeNull();

    [Fact]
    public void PostWithUpdateOnly_Forbidden() =>
        PolicyAuthorization.MayLoad("POST", Apps, new HashSet<string> { "read", "update" })!.Reason.ShouldContain("'create'");

    [Fact]
    public void PatchWithUpdate_MayLoad() =>
        PolicyAuthorization.MayLoad("PATCH", Apps, new HashSet<string> { "update" }).ShouldBeNull();

    [Fact]
    public void PutWithCreateOnly_Forbidden() =>
        PolicyAuthorization.MayLoad("PUT", Apps, new HashSet<string> { "create" })!.Kind.ShouldBe(Forbidden);

    [Fact]
    public void NewRecordsGrantedAmongThemselves_Allowed() =>
        Check("- !group g\n- !host h\n- !grant {role: !group g, member: !host h}\n", Facts()).ShouldBeNull();

    [Fact]
    public void GrantOfARoleManagedOutside_ForbiddenNamingItsLine()
    {
        var refusal = Check("- !host h\n- !grant {role: !group admins, member: !host /ci}\n", Facts(new ExistingRecord("acme:group:apps/admins", Root, Root)));

        refusal.ShouldBe(new PolicyRefusal(Forbidden, 2, "!grant",
            "acme:group:apps/admins is not managed within acme:policy:apps: a !grant gives only roles that the policy (or a policy below it) manages"));
    }

    [Fact]
    public void GrantOfARoleManagedBelow_Allowed() =>
        Check("- !grant {role: !group sub/g, member: !host /ci}\n", Facts(new ExistingRecord("acme:policy:apps/sub", Apps, Apps), new ExistingRecord("acme:group:apps/sub/g", "acme:policy:apps/sub", "acme:policy:apps/sub")))
            .ShouldBeNull();

    [Fact]
    public void GrantOfTheTargetPolicysOwnRole_Forbidden() =>
        Check("- !grant {role: !policy root, member: !host ci}\n", Facts(), target: Root)!.Reason.ShouldContain("is the policy being loaded");

    [Fact]
    public void GrantOfAnExistingRole_ToAnOutsideMember_Allowed() =>
        Check("- !grant {role: !group g, member: !host /ci}\n", Facts(new ExistingRecord("acme:group:apps/g", Apps, Apps))).ShouldBeNull();

    [Fact]
    public void GrantToAMemberThatDoesNotExist_Invalid() =>
        Check("- !group g\n- !grant {role: !group g, member: !host /nobody}\n", Facts())!.Kind.ShouldBe(Invalid);

    [Fact]
    public void GrantOfARoleThatDoesNotExist_Invalid() =>
        Check("- !grant {role: !group missing, member: !host /ci}\n", Facts())!.Reason.ShouldContain("does not exist");

    [Fact]
    public void PermitOnAResourceManagedOutside_Forbidden() =>
        Check("- !permit {role: !host /ci, privilege: execute, resource: !variable db}\n", Facts(new ExistingRecord("acme:variable:apps/db", Root, Root)))!
            .Kind.ShouldBe(Forbidden);

    [Fact]
    public void PermitForAnOutsideRole_OnAResourceManagedWithin_Allowed() =>
        Check("- !variable db\n- !permit {role: !host /ci, privilege: execute, resource: !variable db}\n", Facts()).ShouldBeNull();

    [Fact]
    public void PermitOnTheTargetPolicy_Forbidden() =>
        Check("- !permit {role: !host ci, privilege: update, resource: !policy root}\n", Facts(), target: Root)!.Kind.ShouldBe(Forbidden);

    [Fact]
    public void DeclarationOfARecordManagedOutside_Forbidden()
    {
        var refusal = Check("- !policy vault\n", Facts(new ExistingRecord("acme:policy:apps/vault", Root, Root)))!;

        refusal.Kind.ShouldBe(Forbidden);
        refusal.Statement.ShouldBe("!policy acme:policy:apps/vault");
    }

    [Fact]
    public void DeclarationOfARecordAnotherPolicyWithinDeclared_Invalid() =>
        Check("- !variable sub/x\n", Facts(new ExistingRecord("acme:policy:apps/sub", Apps, Apps), new ExistingRecord("acme:variable:apps/sub/x", "acme:policy:apps/sub", "acme:policy:apps/sub")))!
            .Kind.ShouldBe(Invalid);

    [Fact]
    public void RedeclarationByTheSamePolicy_Allowed() =>
        Check("- !variable x\n", Facts(new ExistingRecord("acme:variable:apps/x", Apps, Apps))).ShouldBeNull();

    [Fact]
    public void DeclaringThePolicyBeingLoaded_Invalid() =>
        Check("- !policy root\n", Facts(), "PATCH", Root)!.Reason.ShouldContain("is the policy being loaded");

    [Fact]
    public void PostGivingAnExistingRecordAnotherOwner_Invalid() =>
        Check("- !variable {id: x, owner: !host /ci}\n", Facts(new ExistingRecord("acme:variable:apps/x", Apps, Apps)), "POST")!.Reason.ShouldContain("PATCH or PUT");

    [Fact]
    public void PatchGivingAnExistingRecordAnotherOwner_Allowed() =>
        Check("- !variable {id: x, owner: !host /ci}\n", Facts(new ExistingRecord("acme:variable:apps/x", Apps, Apps)), "PATCH").ShouldBeNull();

    [Fact]
    public void PostRedeclaringWithoutAnOwner_KeepsTheOwnerAndIsAllowed() =>
        Check("- !variable x\n", Facts(new ExistingRecord("acme:variable:apps/x", "acme:host:ci", Apps)), "POST").ShouldBeNull();

    [Fact]
    public void PostChangingAnAnnotation_Invalid()
    {
        var existing = new ExistingRecord("acme:variable:apps/x", Apps, Apps) { Annotations = new Dictionary<string, string> { ["team"] = "a" } };

        Check("- !variable {id: x, annotations: {team: b}}\n", Facts(existing), "POST")!.Reason.ShouldContain("annotation 'team'");
    }

    [Fact]
    public void PostAddingAnAnnotation_Allowed()
    {
        var existing = new ExistingRecord("acme:variable:apps/x", Apps, Apps) { Annotations = new Dictionary<string, string> { ["team"] = "a" } };

        Check("- !variable {id: x, annotations: {team: a, tier: gold}}\n", Facts(existing), "POST").ShouldBeNull();
    }

    [Fact]
    public void OwnerThatDoesNotExist_Invalid() =>
        Check("- !variable {id: x, owner: !host /nobody}\n", Facts())!.Reason.ShouldContain("the owner acme:host:nobody");

    [Fact]
    public void OwnerDeclaredInTheSameLoad_Allowed() =>
        Check("- !host keeper\n- !variable {id: x, owner: !host keeper}\n", Facts()).ShouldBeNull();

    [Fact]
    public void OwnerManagedOutside_Allowed() =>
        Check("- !variable {id: x, owner: !host /ci}\n", Facts()).ShouldBeNull();

    [Fact]
    public void PutLackingUpdateOnSomethingWithin_Forbidden() =>
        Check("- !variable x\n", Facts() with { LackingUpdate = 2 }, "PUT")!.Statement.ShouldBe("PUT");

    [Fact]
    public void PatchLackingUpdateOnSomethingWithin_Allowed() =>
        Check("- !variable x\n", Facts() with { LackingUpdate = 2 }, "PATCH").ShouldBeNull();

    [Fact]
    public void SeveralRefusals_TheFirstByLineAnswered() =>
        Check("- !variable ok\n- !permit {role: !host /nobody, privilege: read, resource: !variable ok}\n- !grant {role: !group missing, member: !host /ci}\n", Facts())!
            .Line.ShouldBe(2);

    [Fact]
    public void DeclaringPoliciesInACycle_NotWithin() =>
        Check("- !grant {role: !group g, member: !host /ci}\n", Facts(
            new ExistingRecord("acme:policy:loop-a", Root, "acme:policy:loop-b"), new ExistingRecord("acme:policy:loop-b", Root, "acme:policy:loop-a"),
            new ExistingRecord("acme:group:apps/g", Root, "acme:policy:loop-a")))!.Kind.ShouldBe(Forbidden);
}
