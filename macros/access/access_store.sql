{#- The entitlement store on PostgreSQL (docs/access.md), created and
    kept up to date by the hook as one transaction: schema access owned
    by the dbt user (the access administrator: the only writer),
    access.user_scopes (who reads as which level within which ids),
    access.scope_changes (every change, written by a trigger, so changes
    made with plain SQL are logged too) and access.scope_keys, the
    security-definer lookup the policies call. Analyst groups get usage
    on the schema and execute on the lookup, nothing on the tables. -#}
{% macro access_store_statements(roles) -%}
    {%- set groups = roles | join(', ') -%}
    {%- set levels = [] -%}
    {%- set needs = [] -%}
    {%- for role in roles -%}
        {%- set level = access_scope_level(role) -%}
        {%- do levels.append("'" ~ level ~ "'") -%}
        {%- for c in access_scope_columns(role) -%}
            {%- do needs.append("(level <> '" ~ level ~ "' or " ~ c
                ~ " is not null)") -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set ids = ['tenant_id', 'team_id', 'user_id', 'brand_id'] -%}
    {%- set sql -%}
begin;
create schema if not exists access;
revoke all on schema access from public;
create table if not exists access.user_scopes (
    login name not null,
    level text not null,
    tenant_id text,
    team_id text,
    user_id text,
    brand_id text,
    valid_from timestamptz,
    valid_to timestamptz,
    granted_by name not null default session_user,
    granted_at timestamptz not null default now()
);
alter table access.user_scopes drop constraint if exists user_scopes_level;
alter table access.user_scopes add constraint user_scopes_level check (
    level in ({{ levels | join(', ') }})
    {%- for n in needs %}
    and {{ n }}
    {%- endfor %});
create unique index if not exists user_scopes_key on access.user_scopes (
    login, level
    {%- for c in ids %}, coalesce({{ c }}, ''){% endfor %});
create table if not exists access.scope_changes (
    changed_at timestamptz not null default clock_timestamp(),
    changed_by name not null default session_user,
    action text not null,
    login name not null,
    level text not null,
    tenant_id text,
    team_id text,
    user_id text,
    brand_id text,
    valid_from timestamptz,
    valid_to timestamptz
);
create or replace function access.log_scope_change() returns trigger
language plpgsql security definer set search_path = pg_catalog, access as $$
begin
    if tg_op = 'DELETE' then
        insert into access.scope_changes (action, login, level,
            {{ ids | join(', ') }}, valid_from, valid_to)
        values ('revoke', old.login, old.level,
            {%- for c in ids %} old.{{ c }},{% endfor %} old.valid_from,
            old.valid_to);
    else
        insert into access.scope_changes (action, login, level,
            {{ ids | join(', ') }}, valid_from, valid_to)
        values (case tg_op when 'INSERT' then 'grant' else 'update' end,
            new.login, new.level,
            {%- for c in ids %} new.{{ c }},{% endfor %} new.valid_from,
            new.valid_to);
    end if;
    return null;
end $$;
drop trigger if exists user_scopes_audit on access.user_scopes;
create trigger user_scopes_audit
    after insert or update or delete on access.user_scopes
    for each row execute function access.log_scope_change();
{#- Keys of the caller's active entitlements of one level: the value of
    one column, or the JSON array of several, or '' for "any". A direct
    call for another login returns nothing unless the session user may
    act as it (SET ROLE). -#}
create or replace function access.scope_keys(
    p_login name, p_level text, p_columns text[]
) returns text[]
language sql stable security definer
set search_path = pg_catalog, access as $$
    select coalesce(array_agg(distinct k), '{}')
    from (
        select case cardinality(p_columns)
                when 0 then ''
                when 1 then to_jsonb(s) ->> p_columns[1]
                else (select jsonb_agg(to_jsonb(s) -> c order by o)::text
                      from unnest(p_columns) with ordinality as u (c, o))
            end as k
        from access.user_scopes as s
        where s.login = p_login
            and s.level = p_level
            and (s.valid_from is null or s.valid_from <= now())
            and (s.valid_to is null or s.valid_to > now())
            and (p_login = session_user
                 or pg_has_role(session_user, p_login, 'MEMBER'))
    ) as x
    where k is not null
$$;
revoke all on access.user_scopes, access.scope_changes from public;
revoke all on function access.scope_keys(name, text, text[]),
    access.log_scope_change() from public;
grant usage on schema access to {{ groups }};
grant execute on function access.scope_keys(name, text, text[])
    to {{ groups }};
commit;
    {%- endset -%}
    {{ return(sql) }}
{%- endmacro %}


{#- The id columns a scope of a group role must carry: every column its
    rules isolate by (none for `all`). -#}
{% macro access_scope_columns(role) -%}
    {%- set grants = access_declaration().roles[role] -%}
    {%- set out = [] -%}
    {%- if grants != 'all' -%}
        {%- for level, columns in grants.items() -%}
            {%- for c in columns if c not in out -%}
                {%- do out.append(c) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(out) }}
{%- endmacro %}
