{#- on-run-end hook (dbt_project.yml): grants and row-level security on
    the marts, from var access_policies (docs/access.md). Re-applied on
    every run, since rebuilt tables come back bare (no grants, no RLS,
    so unreadable by analysts until this runs: fail closed).

    PostgreSQL: group roles (created when missing), usage on the marts
    schema, per table: enable + FORCE row level security, drop every
    policy and recreate them, revoke + grant select; one transaction per
    table. Redshift: CREATE/ATTACH RLS POLICY. DuckDB and others: nothing.
    Returns '' (the statements run here) so the hook itself is empty. -#}
{% macro apply_access_policies() -%}
    {%- if execute and access_declaration() is not none
            and flags.WHICH in ['run', 'build', 'seed', 'snapshot',
                                'retry'] -%}
        {{ return(adapter.dispatch('apply_access_policies',
                                   'retail_saas')()) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}


{#- Nothing to grant (an embedded file has no users), but the declaration
    is still checked against the graph, so a mistake fails the fast
    DuckDB runs too. -#}
{% macro default__apply_access_policies() -%}
    {%- set marts = access_marts() -%}
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


{% macro postgres__apply_access_policies() -%}
    {%- set marts = access_existing_tables(access_marts()) -%}
    {%- for block in access_postgres_statements(marts) -%}
        {%- do run_query(block) -%}
    {%- endfor -%}
    {%- do log('access: row-level security and grants on '
        ~ marts | length ~ ' marts', info=true) -%}
    {{ return('') }}
{%- endmacro %}


{#- PostgreSQL DDL, as a list of blocks, each one transaction. -#}
{% macro access_postgres_statements(marts) -%}
    {%- set cfg = access_declaration() -%}
    {%- set roles = access_roles() -%}
    {%- set all_roles = roles | join(',\n        ') -%}
    {#- where this run builds the marts (a publish build: marts__shadow) -#}
    {%- set schema = generate_schema_name(cfg.get('schema', 'marts'), none) | trim -%}
    {%- set blocks = [] -%}
    {#- group roles: created when missing (cluster-wide; needs CREATEROLE
        the first time only), never dropped -#}
    {%- set ns = namespace(sql='begin;\n') -%}
    {%- for role in roles -%}
        {%- set ns.sql = ns.sql ~ "do $$ begin\n"
            ~ "    if not exists (select from pg_roles where rolname = '"
            ~ role ~ "') then\n"
            ~ "        create role " ~ role ~ " nologin;\n"
            ~ "    end if;\n"
            ~ "exception when duplicate_object or unique_violation then"
            ~ " null;\nend $$;\n" -%}
    {%- endfor -%}
    {%- set ns.sql = ns.sql ~ 'grant usage on schema ' ~ schema ~ ' to '
        ~ all_roles ~ ';\n'
        ~ "do $$ declare s text; begin\n"
        ~ "    for s in select nspname from pg_namespace where nspname in ("
        ~ "'raw', 'staging', 'intermediate', 'seeds', '"
        ~ target.schema ~ "') loop\n"
        ~ "        execute format('revoke all on schema %I from "
        ~ all_roles ~ "', s);\n"
        ~ "    end loop;\nend $$;\ncommit;" -%}
    {%- do blocks.append(ns.sql) -%}
    {%- for m in marts -%}
        {%- set rel = m.schema ~ '.' ~ m.identifier -%}
        {%- set ns.sql = 'begin;\n'
            ~ "do $$ declare p text; begin\n"
            ~ "    for p in select policyname from pg_policies\n"
            ~ "        where schemaname = '" ~ m.schema
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
                ~ '\n    using (' ~ access_predicate(r.columns, 'true')
                ~ ');\n' -%}
        {%- endfor -%}
        {%- set ns.sql = ns.sql ~ 'revoke all on ' ~ rel ~ ' from '
            ~ all_roles ~ ';\n' -%}
        {%- if readers -%}
            {%- set ns.sql = ns.sql ~ 'grant select on ' ~ rel ~ ' to '
                ~ readers | join(',\n        ') ~ ';\n' -%}
        {%- endif -%}
        {%- do blocks.append(ns.sql ~ 'commit;') -%}
    {%- endfor -%}
    {{ return(blocks) }}
{%- endmacro %}


{% macro redshift__apply_access_policies() -%}
    {%- set marts = access_existing_tables(access_marts()) -%}
    {%- set existing = run_query('select role_name from svv_roles') -%}
    {%- set roles = existing.columns[0].values() | map('lower') | list -%}
    {%- for stmt in access_redshift_statements(marts, roles) -%}
        {%- do run_query(stmt) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}


{#- Redshift DDL, as a list of statements. Policies are database objects
    shared by tables: one per set of isolating columns (access_all for
    []), dropped with cascade (which detaches them) and recreated, then
    attached per table and role. A role with no policy attached on an
    RLS table sees no rows. The dbt user needs sys:secadmin to attach
    policies, which also gives it IGNORE RLS (it builds and tests on all
    rows). Session context: set_config('retail_saas.tenant_id', ...);
    current_setting(name, false) returns null when unset. -#}
{% macro access_redshift_statements(marts, existing_roles=[]) -%}
    {%- set cfg = access_declaration() -%}
    {%- set roles = access_roles() -%}
    {#- where this run builds the marts (a publish build: marts__shadow) -#}
    {%- set schema = generate_schema_name(cfg.get('schema', 'marts'), none) | trim -%}
    {%- set out = [] -%}
    {%- for role in roles if role not in existing_roles -%}
        {%- do out.append('create role ' ~ role) -%}
    {%- endfor -%}
    {%- for role in roles -%}
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
    {%- for name, columns in policies | dictsort -%}
        {%- do out.append('drop rls policy if exists ' ~ name
            ~ ' cascade') -%}
        {%- set with_cols = [] -%}
        {%- for c in columns -%}
            {%- do with_cols.append(c ~ ' varchar(256)') -%}
        {%- endfor -%}
        {%- do out.append('create rls policy ' ~ name
            ~ ((' with (' ~ with_cols | join(', ') ~ ')')
               if columns else '')
            ~ '\nusing (' ~ access_predicate(columns, 'false') ~ ')') -%}
    {%- endfor -%}
    {%- for m in marts -%}
        {%- set rel = m.schema ~ '.' ~ m.identifier -%}
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
