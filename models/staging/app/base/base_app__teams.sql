{%- set table_name = 'teams' -%}
{%- set key_columns = ['team_id'] -%}
{%- set native_types = lake_native_types('app', table_name) -%}

{{ assert_source_columns('app', 'teams') }}

with

source as (

    select * from {{ source('app', 'teams') }}

),

landed as (

    select
        source.*,
        {{ same_load_copies(table_name, native_types) }}
            as same_load_copies
    from source

),

renamed as (

    select
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(name as {{ dbt.type_string() }}) as name,
        {{ lake_value('created_at', 'timestamp', native_types) }} as created_at,
        {{ lake_value('_loaded_at', 'timestamp', native_types) }} as loaded_at,
        {{ copy_invalid_reason(table_name, native_types) }}
            as copy_invalid_reason,
        {{ copy_fingerprint(table_name, native_types) }} as copy_fingerprint
    from landed

),

checked as (

    select
        renamed.*,
        {{ copy_reason(key_columns) }} as copy_reason
    from renamed

),

ranked as (

    select
        checked.*,
        {{ redelivery_rank(key_columns) }} as redelivery_rank,
        {{ copies_received(key_columns) }} as copies_received
    from checked

)

select * from ranked
