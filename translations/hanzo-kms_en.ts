<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AuditKeychain</name>
    <message numerus="yes">
        <source>Audit event 1 is missing: this profile has seen %n event(s) of another audit log (its keychain anchor), so this log replaced it. If you replaced the database on purpose, remove the keychain entry "%1" (service "%2").</source>
        <translation>
            <numerusform>Audit event 1 is missing: this profile has seen %n event of another audit log (its keychain anchor), so this log replaced it. If you replaced the database on purpose, remove the keychain entry "%1" (service "%2").</numerusform>
            <numerusform>Audit event 1 is missing: this profile has seen %n events of another audit log (its keychain anchor), so this log replaced it. If you replaced the database on purpose, remove the keychain entry "%1" (service "%2").</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SecretCatalog</name>
    <message numerus="yes">
        <source>Deleted from %1 with its lease history; the token(s) of lease(s) %2 stay valid until they expire.</source>
        <translation>
            <numerusform>Deleted from %1 with its lease history; the token of lease %2 stays valid until it expires.</numerusform>
            <numerusform>Deleted from %1 with its lease history; the tokens of leases %2 stay valid until they expire.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Forced: %n open lease(s) were not revoked.</source>
        <translation>
            <numerusform>Forced: %n open lease was not revoked.</numerusform>
            <numerusform>Forced: %n open leases were not revoked.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>hanzo-kmsctl</name>
    <message numerus="yes">
        <source>Audit log intact: %n event(s) verified</source>
        <translation>
            <numerusform>Audit log intact: %n event verified</numerusform>
            <numerusform>Audit log intact: %n events verified</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n audit event(s) to %1.</source>
        <translation>
            <numerusform>Exported %n audit event to %1.</numerusform>
            <numerusform>Exported %n audit events to %1.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n argument(s)</source>
        <translation>
            <numerusform>%n argument</numerusform>
            <numerusform>%n arguments</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n unfinished lease(s)</source>
        <translation>
            <numerusform>%n unfinished lease</numerusform>
            <numerusform>%n unfinished leases</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n orphaned object(s)</source>
        <translation>
            <numerusform>%n orphaned object</numerusform>
            <numerusform>%n orphaned objects</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kms::ui::AuditDialog</name>
    <message numerus="yes">
        <source>%n event(s)</source>
        <translation>
            <numerusform>%n event</numerusform>
            <numerusform>%n events</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Verified: the chain of %n event(s) is intact.</source>
        <translation>
            <numerusform>Verified: the chain of %n event is intact.</numerusform>
            <numerusform>Verified: the chain of %n events is intact.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n event(s) to %1.</source>
        <translation>
            <numerusform>Exported %n event to %1.</numerusform>
            <numerusform>Exported %n events to %1.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kms::ui::DatabaseBanner</name>
    <message numerus="yes">
        <source>%1 Changes are refused until it is back; the next attempt is in %n second(s).</source>
        <translation>
            <numerusform>%1 Changes are refused until it is back; the next attempt is in %n second.</numerusform>
            <numerusform>%1 Changes are refused until it is back; the next attempt is in %n seconds.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kms::ui::LeaseDetailsDialog</name>
    <message numerus="yes">
        <source>%n attempt(s) failed; next retry %1</source>
        <translation>
            <numerusform>%n attempt failed; next retry %1</numerusform>
            <numerusform>%n attempts failed; next retry %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kms::ui::LeasePanel</name>
    <message numerus="yes">
        <source>%n dynamic or bound lease(s): their objects will be deleted, so their tokens will stop working within seconds.</source>
        <translation>
            <numerusform>%n dynamic or bound lease: its objects will be deleted, so its token will stop working within seconds.</numerusform>
            <numerusform>%n dynamic or bound leases: their objects will be deleted, so their tokens will stop working within seconds.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n unbound static lease(s): Kubernetes cannot revoke their tokens; they stay valid until they expire, the last at %1.</source>
        <translation>
            <numerusform>%n unbound static lease: Kubernetes cannot revoke its token; it stays valid until it expires at %1.</numerusform>
            <numerusform>%n unbound static leases: Kubernetes cannot revoke their tokens; they stay valid until they expire, the last at %1.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Delete %n Lease(s)?</source>
        <translation>
            <numerusform>Delete %n Lease?</numerusform>
            <numerusform>Delete %n Leases?</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Delete %n Lease(s)</source>
        <translation>
            <numerusform>Delete %n Lease</numerusform>
            <numerusform>Delete %n Leases</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Deleting %n lease(s)...</source>
        <translation>
            <numerusform>Deleting %n lease...</numerusform>
            <numerusform>Deleting %n leases...</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Retrying cleanup of %n lease(s)...</source>
        <translation>
            <numerusform>Retrying cleanup of %n lease...</numerusform>
            <numerusform>Retrying cleanup of %n leases...</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kms::ui::MainWindow</name>
    <message numerus="yes">
        <source>Token on the clipboard: cleared in %n second(s)</source>
        <translation>
            <numerusform>Token on the clipboard: cleared in %n second</numerusform>
            <numerusform>Token on the clipboard: cleared in %n seconds</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>It has %n open lease(s). They will be revoked first: dynamic and bound tokens will stop working within seconds; an unbound static token stays valid until it expires.</source>
        <translation>
            <numerusform>It has %n open lease. It will be revoked first: dynamic and bound tokens will stop working within seconds; an unbound static token stays valid until it expires.</numerusform>
            <numerusform>It has %n open leases. They will be revoked first: dynamic and bound tokens will stop working within seconds; an unbound static token stays valid until it expires.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Dynamic secret %1 deleted; %n unbound token(s) stay valid until they expire.</source>
        <translation>
            <numerusform>Dynamic secret %1 deleted; %n unbound token stays valid until it expires.</numerusform>
            <numerusform>Dynamic secret %1 deleted; %n unbound tokens stay valid until they expire.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Environment %1 holds %n dynamic secret(s); delete them first.</source>
        <translation>
            <numerusform>Environment %1 holds %n dynamic secret; delete it first.</numerusform>
            <numerusform>Environment %1 holds %n dynamic secrets; delete them first.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Reconcile: %n cleanup(s) failed and will be retried. %1</source>
        <translation>
            <numerusform>Reconcile: %n cleanup failed and will be retried. %1</numerusform>
            <numerusform>Reconcile: %n cleanups failed and will be retried. %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n unfinished lease(s) rolled back</source>
        <translation>
            <numerusform>%n unfinished lease rolled back</numerusform>
            <numerusform>%n unfinished leases rolled back</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n cleaned up</source>
        <translation>
            <numerusform>%n cleaned up</numerusform>
            <numerusform>%n cleaned up</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n orphaned object(s) deleted</source>
        <translation>
            <numerusform>%n orphaned object deleted</numerusform>
            <numerusform>%n orphaned objects deleted</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Quit with %n Active Lease(s)?</source>
        <translation>
            <numerusform>Quit with %n Active Lease?</numerusform>
            <numerusform>Quit with %n Active Leases?</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kms::ui::NewLeaseDialog</name>
    <message numerus="yes">
        <source>a %1 generated from %n rule(s)</source>
        <translation>
            <numerusform>a %1 generated from %n rule</numerusform>
            <numerusform>a %1 generated from %n rules</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kms::ui::SecretSetupDialog</name>
    <message numerus="yes">
        <source>%n permission(s) or object(s) missing. Apply the RBAC YAML as a cluster administrator, then test again.</source>
        <translation>
            <numerusform>%n permission or object missing. Apply the RBAC YAML as a cluster administrator, then test again.</numerusform>
            <numerusform>%n permissions or objects missing. Apply the RBAC YAML as a cluster administrator, then test again.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The connection works and nothing is missing, but %n check(s) could not be decided (Unknown): see why in the list. A lease may still fail on them.</source>
        <translation>
            <numerusform>The connection works and nothing is missing, but %n check could not be decided (Unknown): see why in the list. A lease may still fail on it.</numerusform>
            <numerusform>The connection works and nothing is missing, but %n checks could not be decided (Unknown): see why in the list. A lease may still fail on them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n more role(s)</source>
        <translation>
            <numerusform>%n more role</numerusform>
            <numerusform>%n more roles</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n generated role rule(s)</source>
        <translation>
            <numerusform>%n generated role rule</numerusform>
            <numerusform>%n generated role rules</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n extra label(s)</source>
        <translation>
            <numerusform>%n extra label</numerusform>
            <numerusform>%n extra labels</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n extra annotation(s)</source>
        <translation>
            <numerusform>%n extra annotation</numerusform>
            <numerusform>%n extra annotations</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>at most %n lease(s)</source>
        <translation>
            <numerusform>at most %n lease</numerusform>
            <numerusform>at most %n leases</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kms::ui::TeamDatabaseWaitDialog</name>
    <message numerus="yes">
        <source>%1 The profile opens as soon as it answers; the next attempt is in %n second(s).</source>
        <translation>
            <numerusform>%1 The profile opens as soon as it answers; the next attempt is in %n second.</numerusform><numerusform>%1 The profile opens as soon as it answers; the next attempt is in %n seconds.</numerusform></translation>
    </message>
</context>
<context>
    <name>kms::ui::TokenDialog</name>
    <message numerus="yes">
        <source>Copy the token; the clipboard is cleared after %n second(s)</source>
        <translation>
            <numerusform>Copy the token; the clipboard is cleared after %n second</numerusform>
            <numerusform>Copy the token; the clipboard is cleared after %n seconds</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied. The clipboard is cleared in %n second(s).</source>
        <translation>
            <numerusform>Copied. The clipboard is cleared in %n second.</numerusform>
            <numerusform>Copied. The clipboard is cleared in %n seconds.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>kms::ui::TrayIcon</name>
    <message numerus="yes">
        <source>%n active lease(s)</source>
        <translation>
            <numerusform>%n active lease</numerusform>
            <numerusform>%n active leases</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Cleanup failed, needs attention: %n lease(s)</source>
        <translation>
            <numerusform>Cleanup failed, needs attention: %n lease</numerusform>
            <numerusform>Cleanup failed, needs attention: %n leases</numerusform>
        </translation>
    </message>
</context>
</TS>