{%- set table_name = 'user_profile' -%}
{%- set key_columns = ['user_id'] -%}
{%- set native_types = lake_native_types('app', table_name) -%}

{{ assert_source_columns('app', 'user_profile') }}

with

source as (

    select * from {{ source('app', 'user_profile') }}

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
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(team_id as {{ dbt.type_string() }}) as team_id,
        cast(role as {{ dbt.type_string() }}) as role,
        {{ hash_pii('email') }} as email_hash,
        {{ hash_pii('phone') }} as phone_hash,
        {{ lake_value('created_at', 'timestamp', native_types) }} as created_at,
        {{ lake_value('deleted_at', 'timestamp', native_types) }} as deleted_at,
        {{ lake_value('_loaded_at', 'timestamp', native_types) }} as loaded_at,
        deleted_at is not null as is_deleted,
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
