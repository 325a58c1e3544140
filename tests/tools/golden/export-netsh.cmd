@echo off
rem ucdhcp export: Windows DHCP server, netsh commands (run as an administrator on the DHCP server)
rem Option bytes are exactly those `ucdhcp serve` sends; verify a running server with `ucdhcp probe`.
rem site headquarters: option 120 0006706F6F6C303107636F6E746F736F03636F6D00
rem site headquarters: option 43  010C4D532D55432D436C69656E74020568747470730312706F6F6C30312E636F6E746F736F2E636F6D040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663
rem site branch: option 120 0006736572766572046671646E07636F6D70616E7903636F6D00
rem site branch: option 43  010C4D532D55432D436C69656E740205687474707303177365727665722E6671646E2E636F6D70616E792E636F6D040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663
rem site emea: option 120 0006706F6F6C303204656D656107636F6E746F736F03636F6D00
rem site emea: option 43  010C4D532D55432D436C69656E740205687474707303226C796E63776562696E742D706F6F6C30322E656D65612E636F6E746F736F2E636F6D040334343305252F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663
rem warning: site emea: option 42 (ntp_servers) is not exported; configure it as a standard option on this server
rem Usage: this-script.cmd [Cleanup]   ("Cleanup" only removes what it adds)
netsh dhcp server delete optionvalue 120
netsh dhcp server scope 10.1.2.0 delete optionvalue 120
netsh dhcp server scope 10.20.0.0 delete optionvalue 120
netsh dhcp server scope 10.21.0.0 delete optionvalue 120
netsh dhcp server scope 10.30.0.0 delete optionvalue 120
netsh dhcp server delete optiondef 120
netsh dhcp server delete class MSUCClient
if /i "%~1" == "Cleanup" goto :EOF
netsh dhcp server add optiondef 120 UCSipServer Binary 0 comment="Sip Server Fqdn"
netsh dhcp server add class MSUCClient "UC Vendor Class Id" "MS-UC-Client" 1
netsh dhcp server add optiondef 1 UCIdentifier Binary 0 vendor=MSUCClient comment="UC Identifier"
netsh dhcp server add optiondef 2 URLScheme Binary 0 vendor=MSUCClient comment="URL Scheme"
netsh dhcp server add optiondef 3 WebServerFqdn Binary 0 vendor=MSUCClient comment="Web Server Fqdn"
netsh dhcp server add optiondef 4 WebServerPort Binary 0 vendor=MSUCClient comment="Web Server Port"
netsh dhcp server add optiondef 5 CertProvRelPath Binary 0 vendor=MSUCClient comment="Cert Prov Relative Path"
rem site headquarters
netsh dhcp server set optionvalue 120 Binary 0006706F6F6C303107636F6E746F736F03636F6D00
netsh dhcp server set optionvalue 1 Binary vendor=MSUCClient 4D532D55432D436C69656E74
netsh dhcp server set optionvalue 2 Binary vendor=MSUCClient 6874747073
netsh dhcp server set optionvalue 3 Binary vendor=MSUCClient 706F6F6C30312E636F6E746F736F2E636F6D
netsh dhcp server set optionvalue 4 Binary vendor=MSUCClient 343433
netsh dhcp server set optionvalue 5 Binary vendor=MSUCClient 2F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663
rem site headquarters subnet 10.1.2.0/24
netsh dhcp server scope 10.1.2.0 set optionvalue 120 Binary 0006706F6F6C303107636F6E746F736F03636F6D00
netsh dhcp server scope 10.1.2.0 set optionvalue 1 Binary vendor=MSUCClient 4D532D55432D436C69656E74
netsh dhcp server scope 10.1.2.0 set optionvalue 2 Binary vendor=MSUCClient 6874747073
netsh dhcp server scope 10.1.2.0 set optionvalue 3 Binary vendor=MSUCClient 706F6F6C30312E636F6E746F736F2E636F6D
netsh dhcp server scope 10.1.2.0 set optionvalue 4 Binary vendor=MSUCClient 343433
netsh dhcp server scope 10.1.2.0 set optionvalue 5 Binary vendor=MSUCClient 2F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663
rem site branch subnet 10.20.0.0/22
netsh dhcp server scope 10.20.0.0 set optionvalue 120 Binary 0006736572766572046671646E07636F6D70616E7903636F6D00
netsh dhcp server scope 10.20.0.0 set optionvalue 1 Binary vendor=MSUCClient 4D532D55432D436C69656E74
netsh dhcp server scope 10.20.0.0 set optionvalue 2 Binary vendor=MSUCClient 6874747073
netsh dhcp server scope 10.20.0.0 set optionvalue 3 Binary vendor=MSUCClient 7365727665722E6671646E2E636F6D70616E792E636F6D
netsh dhcp server scope 10.20.0.0 set optionvalue 4 Binary vendor=MSUCClient 343433
netsh dhcp server scope 10.20.0.0 set optionvalue 5 Binary vendor=MSUCClient 2F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663
rem site branch subnet 10.21.0.0/24
netsh dhcp server scope 10.21.0.0 set optionvalue 120 Binary 0006736572766572046671646E07636F6D70616E7903636F6D00
netsh dhcp server scope 10.21.0.0 set optionvalue 1 Binary vendor=MSUCClient 4D532D55432D436C69656E74
netsh dhcp server scope 10.21.0.0 set optionvalue 2 Binary vendor=MSUCClient 6874747073
netsh dhcp server scope 10.21.0.0 set optionvalue 3 Binary vendor=MSUCClient 7365727665722E6671646E2E636F6D70616E792E636F6D
netsh dhcp server scope 10.21.0.0 set optionvalue 4 Binary vendor=MSUCClient 343433
netsh dhcp server scope 10.21.0.0 set optionvalue 5 Binary vendor=MSUCClient 2F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663
rem site emea subnet 10.30.0.0/24
netsh dhcp server scope 10.30.0.0 set optionvalue 120 Binary 0006706F6F6C303204656D656107636F6E746F736F03636F6D00
netsh dhcp server scope 10.30.0.0 set optionvalue 1 Binary vendor=MSUCClient 4D532D55432D436C69656E74
netsh dhcp server scope 10.30.0.0 set optionvalue 2 Binary vendor=MSUCClient 6874747073
netsh dhcp server scope 10.30.0.0 set optionvalue 3 Binary vendor=MSUCClient 6C796E63776562696E742D706F6F6C30322E656D65612E636F6E746F736F2E636F6D
netsh dhcp server scope 10.30.0.0 set optionvalue 4 Binary vendor=MSUCClient 343433
netsh dhcp server scope 10.30.0.0 set optionvalue 5 Binary vendor=MSUCClient 2F4365727450726F762F4365727450726F766973696F6E696E67536572766963652E737663
