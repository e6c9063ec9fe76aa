{#- on-run-end hook (dbt_project.yml): the access model of var
    access_policies (docs/access.md), re-applied on every run, since
    rebuilt tables come back bare (no grants, no RLS, so unreadable by
    analysts until this runs: fail closed).

    PostgreSQL: group roles (created when missing), the entitlement store
    (schema access), limits of the analyst logins, usage on the marts
    schema, per table: enable + FORCE row level security, policies that
    compare rows to the entitlements of current_user, grants, the audit
    role's grant and the dashboards' index; one transaction per table.
    Redshift: CREATE/ATTACH RLS POLICY over the same entitlement table.
    DuckDB and others: nothing (readers apply retail_saas.access.mart_filter).
    `schema`: where the marts' tables are now (default: the declared
    schema; a write-audit-publish run passes its build schema).
    Returns '' (the statements run here) so the hook itself is empty. -#}
{% macro apply_access_policies(schema=none) -%}
    {%- if execute and access_declaration() is not none
            and flags.WHICH in ['run', 'build', 'seed', 'snapshot',
                                'retry', 'run-operation'] -%}
        {{ return(adapter.dispatch('apply_access_policies',
                                   'retail_saas')(schema)) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{#- Nothing to grant (an embedded file has no users), but the declaration
    is still checked against the graph, so a mistake fails the fast
    DuckDB runs too. -#}
{% macro default__apply_access_policies(schema=none) -%}
    {%- set marts = access_marts(schema) -%}
    {%- do log('access: ' ~ marts | length ~ ' marts checked; no grants'
        ~ ' or row-level security on ' ~ target.type, info=true) -%}
    {{ return('') }}
{%- endmacro %}


{#- The marts that exist as tables now (a --select run may not have
    built them all yet). Views are left out on purpose: a view reads its
    tables with its owner's rights, so it would see every row. -#}
{% macro access_existing_tables(marts) -%}
    {%- set out = [] -%}
    {%- for m in marts -%}
        {%- set rel = adapter.get_relation(database=m.database,
            schema=m.schema, identifier=m.identifier) -%}
        {%- if rel is not none and rel.is_table -%}
            {%- do out.append(m) -%}
        {%- elif rel is not none -%}
            {%- do log('access: ' ~ m.schema ~ '.' ~ m.name ~ ' is a '
                ~ rel.type ~ ', not a table: no grants', info=true) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}


{% macro postgres__apply_access_policies(schema=none) -%}
    {%- set marts = access_existing_tables(access_marts(schema)) -%}
    {%- for block in access_postgres_statements(marts, schema) -%}
        {%- do run_query(block) -%}
    {%- endfor -%}
    {%- do log('access: row-level security and grants on '
        ~ marts | length ~ ' marts', info=true) -%}
    {{ return('') }}
{%- endmacro %}


{#- PostgreSQL DDL, as a list of blocks, each one transaction. -#}
{% macro access_postgres_statements(marts, schema=none) -%}
    {%- set cfg = access_declaration() -%}
    {%- set roles = access_roles() -%}
    {%- set all_roles = roles | join(',\n        ') -%}
    {%- set schema = schema or cfg.get('schema', 'marts') -%}
    {%- set auditor = cfg.get('audit_role', 'retail_saas_auditor') -%}
    {%- set blocks = [] -%}
    {#- group roles and the audit role (pgaudit.role: every read of a
        table it may select is logged): created when missing
        (cluster-wide; needs CREATEROLE the first time only), never
        dropped -#}
    {%- set ns = namespace(sql='begin;\n') -%}
    {%- for role in roles + [auditor] -%}
        {%- set ns.sql = ns.sql ~ "do $$ begin\n"
            ~ "    if not exists (select from pg_roles where rolname = '"
            ~ role ~ "') then\n"
            ~ "        create role " ~ role ~ " nologin;\n"
            ~ "    end if;\n"
            ~ "exception when duplicate_object or unique_violation then"
            ~ " null;\nend $$;\n" -%}
    {%- endfor -%}
    {%- set ns.sql = ns.sql ~ 'grant usage on schema ' ~ schema ~ ' to '
        ~ all_roles ~ ',\n        ' ~ auditor ~ ';\n'
        ~ "do $$ declare s text; begin\n"
        ~ "    for s in select nspname from pg_namespace where nspname in ("
        ~ "'raw', 'staging', 'intermediate', 'seeds', '"
        ~ target.schema ~ "') loop\n"
        ~ "        execute format('revoke all on schema %I from "
        ~ all_roles ~ "', s);\n"
        ~ "    end loop;\nend $$;\ncommit;" -%}
    {%- do blocks.append(ns.sql) -%}
    {%- do blocks.append(access_store_statements(roles)) -%}
    {%- do blocks.append(access_login_limits(roles)) -%}
    {%- set idx = cfg.get('indexes', {}) -%}
    {%- for m in marts -%}
        {%- set rel = schema ~ '.' ~ m.identifier -%}
        {%- set ns.sql = 'begin;\n'
            ~ "do $$ declare p text; begin\n"
            ~ "    for p in select policyname from pg_policies\n"
            ~ "        where schemaname = '" ~ schema
            ~ "' and tablename = '" ~ m.identifier ~ "' loop\n"
            ~ "        execute format('drop policy %I on " ~ rel
            ~ "', p);\n"
            ~ "    end loop;\nend $$;\n"
            ~ 'alter table ' ~ rel ~ ' enable row level security;\n'
            ~ 'alter table ' ~ rel ~ ' force row level security;\n'
            ~ 'create policy access_builder on ' ~ rel ~ '\n'
            ~ '    for all to current_user using (true) with check (true);\n'
        -%}
        {%- set readers = [] -%}
        {%- for r in m.rules -%}
            {%- do readers.append(r.role) -%}
            {%- set ns.sql = ns.sql ~ 'create policy access_' ~ r.role
                ~ ' on ' ~ rel ~ '\n    for select to ' ~ r.role
                ~ '\n    using (' ~ access_predicate(r.scope, r.columns)
                ~ ');\n' -%}
        {%- endfor -%}
        {%- set ns.sql = ns.sql ~ 'revoke all on ' ~ rel ~ ' from '
            ~ all_roles ~ ';\n' -%}
        {%- if readers -%}
            {%- set ns.sql = ns.sql ~ 'grant select on ' ~ rel ~ ' to '
                ~ readers | join(',\n        ') ~ ';\n' -%}
        {%- endif -%}
        {%- set ns.sql = ns.sql ~ 'grant select on ' ~ rel ~ ' to '
            ~ auditor ~ ';\n' -%}
        {%- set idx_cols = idx.get('columns', []) -%}
        {%- if idx_cols and m.level in idx.get('levels', [])
                and idx_cols | reject('in', m.columns) | list | length == 0 -%}
            {%- set ns.sql = ns.sql ~ 'create index if not exists '
                ~ m.identifier ~ '__' ~ idx_cols | join('__') ~ ' on '
                ~ rel ~ ' (' ~ idx_cols | join(', ') ~ ');\n' -%}
        {%- endif -%}
        {%- do blocks.append(ns.sql ~ 'commit;') -%}
    {%- endfor -%}
    {{ return(blocks) }}
{%- endmacro %}


{#- Per-login limits of var access_policies.limits on every login that is
    a member of an analyst group (role settings are not inherited from
    groups, so they are set on each login; `access grant` sets them on
    the logins it creates). A login the dbt user may not alter is
    skipped with a notice. -#}
{% macro access_login_limits(roles) -%}
    {%- set lim = access_declaration().get('limits', {}) -%}
    {%- set groups = [] -%}
    {%- for r in roles -%}
        {%- do groups.append("'" ~ r ~ "'") -%}
    {%- endfor -%}
    {%- set sql -%}
do $$ declare r name; begin
    for r in select distinct m.rolname from pg_auth_members as a
            join pg_roles as g on g.oid = a.roleid
            join pg_roles as m on m.oid = a.member
        where g.rolname in ({{ groups | join(', ') }})
            and m.rolcanlogin and not m.rolsuper loop
        begin
            {%- if 'connection_limit' in lim %}
            execute format('alter role %I connection limit {{
                lim.connection_limit | int }}', r);
            {%- endif %}
            {%- if 'statement_timeout' in lim %}
            execute format('alter role %I set statement_timeout = %L', r,
                '{{ lim.statement_timeout }}');
            {%- endif %}
        exception when insufficient_privilege then
            raise notice 'access: cannot set the limits of login %', r;
        end;
    end loop;
end $$;
    {%- endset -%}
    {{ return(sql) }}
{%- endmacro %}


{% macro redshift__apply_access_policies(schema=none) -%}
    {%- set marts = access_existing_tables(access_marts(schema)) -%}
    {%- set existing = run_query('select role_name from svv_roles') -%}
    {%- set roles = existing.columns[0].values() | map('lower') | list -%}
    {%- for stmt in access_redshift_statements(marts, roles, schema) -%}
        {%- do run_query(stmt) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{#- Redshift DDL, as a list of statements. The entitlements are the same
    table as on PostgreSQL, access.user_scopes (written by the platform
    admin only; no trigger on Redshift: changes are in SYS_QUERY_HISTORY).
    Policies are database objects shared by tables: one per set of
    isolating columns (access_all for []), dropped with cascade (which
    detaches them) and recreated, then attached per table and role. A
    policy cannot tell which role attached it, so it reads the login's
    active entitlements of any level: exact because a login holds one
    level only (`retail-saas access grant` refuses a second one). The
    policy reads the table through its own grant (GRANT SELECT ... TO RLS
    POLICY); analysts get none. The dbt user needs sys:secadmin, which
    also gives it IGNORE RLS (it builds and tests on all rows). -#}
{% macro access_redshift_statements(marts, existing_roles=[], schema=none) -%}
    {%- set cfg = access_declaration() -%}
    {%- set roles = access_roles() -%}
    {%- set schema = schema or cfg.get('schema', 'marts') -%}
    {%- set out = [] -%}
    {%- for role in roles if role not in existing_roles -%}
        {%- do out.append('create role ' ~ role) -%}
    {%- endfor -%}
    {%- do out.append('create schema if not exists access') -%}
    {%- do out.append('create table if not exists access.user_scopes (\n'
        ~ '    login varchar(128) not null, level varchar(32) not null,\n'
        ~ '    tenant_id varchar(256), team_id varchar(256),'
        ~ ' user_id varchar(256), brand_id varchar(256),\n'
        ~ '    valid_from timestamptz, valid_to timestamptz,\n'
        ~ '    granted_by varchar(128) not null default current_user,\n'
        ~ '    granted_at timestamptz not null default getdate())') -%}
    {%- for role in roles -%}
        {%- do out.append('revoke all on access.user_scopes from role '
            ~ role) -%}
        {%- do out.append('grant usage on schema ' ~ schema ~ ' to role '
            ~ role) -%}
    {%- endfor -%}
    {%- set policies = {} -%}
    {%- for m in marts -%}
        {%- for r in m.rules -%}
            {%- set name = 'access_' ~ (r.columns | join('_')
                if r.columns else 'all') -%}
            {%- do policies.update({name: r.columns}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set active = "s.login = current_user\n"
        ~ "    and (s.valid_from is null or s.valid_from <= getdate())\n"
        ~ "    and (s.valid_to is null or s.valid_to > getdate())" -%}
    {%- for name, columns in policies | dictsort -%}
        {%- do out.append('drop rls policy if exists ' ~ name
            ~ ' cascade') -%}
        {%- set with_cols = [] -%}
        {%- set keys = [] -%}
        {%- for c in columns -%}
            {%- do with_cols.append(c ~ ' varchar(256)') -%}
            {%- do keys.append('s.' ~ c) -%}
        {%- endfor -%}
        {%- if columns -%}
            {%- set using = columns | join(" || '|' || ")
                ~ " in (\n    select " ~ keys | join(" || '|' || ")
                ~ "\n    from access.user_scopes as s\n    where "
                ~ active ~ ")" -%}
        {%- else -%}
            {%- set using = "exists (\n    select 1"
                ~ " from access.user_scopes as s\n    where "
                ~ active ~ ")" -%}
        {%- endif -%}
        {%- do out.append('create rls policy ' ~ name
            ~ ((' with (' ~ with_cols | join(', ') ~ ')')
               if columns else '')
            ~ '\nusing (' ~ using ~ ')') -%}
        {%- do out.append('grant select on access.user_scopes to rls policy '
            ~ name) -%}
    {%- endfor -%}
    {%- for m in marts -%}
        {%- set rel = schema ~ '.' ~ m.identifier -%}
        {%- set readers = [] -%}
        {%- for r in m.rules -%}
            {%- set name = 'access_' ~ (r.columns | join('_')
                if r.columns else 'all') -%}
            {%- do readers.append('role ' ~ r.role) -%}
            {%- do out.append('attach rls policy ' ~ name ~ ' on ' ~ rel
                ~ ' to role ' ~ r.role) -%}
        {%- endfor -%}
        {%- do out.append('alter table ' ~ rel
            ~ ' row level security on conjunction type or') -%}
        {%- for role in roles -%}
            {%- do out.append('revoke all on ' ~ rel ~ ' from role '
                ~ role) -%}
        {%- endfor -%}
        {%- if readers -%}
            {%- do out.append('grant select on ' ~ rel ~ ' to '
                ~ readers | join(', ')) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}


{#- dbt run-operation print_access_ddl --args '{dialect: redshift}':
    print the DDL the hook would run for every mart of the graph (no
    database needed; roles are printed as if none existed). dialect:
    postgres, redshift or all (both, each after a '-- <dialect>' line). -#}
{% macro print_access_ddl(dialect='postgres') -%}
    {%- if dialect not in ['postgres', 'redshift', 'all'] -%}
        {{ exceptions.raise_compiler_error(
            'print_access_ddl: dialect is postgres, redshift or all, not '
            ~ dialect) }}
    {%- endif -%}
    {%- set marts = access_marts() -%}
    {%- if dialect in ['postgres', 'all'] -%}
        {%- if dialect == 'all' %}{{ print('-- postgres') }}{% endif -%}
        {%- for block in access_postgres_statements(marts) -%}
            {{ print(block) }}
        {%- endfor -%}
    {%- endif -%}
    {%- if dialect in ['redshift', 'all'] -%}
        {%- if dialect == 'all' %}{{ print('-- redshift') }}{% endif -%}
        {%- for s in access_redshift_statements(marts, []) -%}
            {{ print(s ~ ';') }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
